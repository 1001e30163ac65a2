"""Opaque global ids for `node(id:)`: the type name and the owner's id, base64url-encoded.

Clients must treat them as opaque; we only promise that `node(id)` returns the object.
"""

from __future__ import annotations

import base64
import binascii

__all__ = ["InvalidGlobalId", "decode_global_id", "encode_global_id"]


class InvalidGlobalId(ValueError):
    """The id was not made by `encode_global_id`."""


def encode_global_id(type_name: str, raw_id: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{raw_id}".encode()).decode().rstrip("=")


def decode_global_id(global_id: str) -> tuple[str, str]:
    """(type name, raw id); raises InvalidGlobalId for anything else."""
    padded = global_id + "=" * (-len(global_id) % 4)
    try:
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidGlobalId(global_id) from exc
    type_name, sep, raw_id = text.partition(":")
    if not sep or not type_name or not raw_id:
        raise InvalidGlobalId(global_id)
    return type_name, raw_id
