"""Serving the gateway's offset/limit window from a portal's own paging style.

    PageKey(id, offset, limit) ─▶ style ─▶ request(s) ─▶ mapped pages ─▶ the window's items,
                                                         total_count (if the portal says),
                                                         has_more (if it can be known)

    page_size     aligned window: page offset/limit (+ page_base), size limit; otherwise
                  page one of size offset+limit+1, sliced
    offset_limit  offset, limit+1 (the one extra item tells whether more follow), trimmed
    limit_only    the newest offset+limit+1 (at most max_size), sliced; a window past
                  max_size cannot be served and is refused, never answered with page one
    cursor        pages are walked from the first, each next one asked with the
    next_link     previous answer's cursor (or at its next link), until the window is
                  covered or the portal has no more, at most `max_pages` requests

The gateway's cursors stay offsets for every style, so a capability can move to another
owner without invalidating a client's cursor; the price for cursor portals is a walk from
the start, bounded by `max_pages` (a window further than that is refused clearly).
The walk is written here because no library maps offset windows onto portal cursors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import yarl

from connectors.capabilities import PageKey
from connectors.errors import BadUpstreamData, UpstreamRejected
from connectors.mapping import lookup
from connectors.rest_config import PagingSpec

__all__ = ["Ask", "follow_link", "read_window"]

# One request of a page: the variables of the request template or, for `next_link`, the
# URL the previous answer linked to. Answers the URL asked and the decoded JSON of a 200.
Ask = Callable[[Mapping[str, str] | yarl.URL], Awaitable[tuple[yarl.URL, Any]]]
MapPage = Callable[[Any], dict[str, Any]]

# Encoded separators and dots a portal might decode into another path (connectors.paths).
_ENCODED_PATH_TRICKS = ("%2e", "%2f", "%5c")


async def read_window(
    connector: str, paging: PagingSpec, key: PageKey, ask: Ask, map_page: MapPage, base: yarl.URL
) -> dict[str, Any]:
    """The mapped record of `key`'s window: its items in `list_field`, and `has_more`
    when the answer tells; raises UpstreamRejected for a window the portal cannot reach."""
    if key.limit > paging.max_size:
        raise _too_far(connector)
    if paging.style in ("cursor", "next_link"):
        return await _walk(connector, paging, key, ask, map_page, base)
    variables, skip, lookahead = _single_request(connector, paging, key)
    _, data = await ask({"id": key.id, **variables})
    mapped = map_page(data)
    listed = _listed(connector, paging, mapped)
    window = listed[skip : skip + key.limit]
    if lookahead:
        mapped["has_more"] = len(listed) > skip + key.limit
    else:
        _signalled_more(paging, data, mapped)
    mapped[paging.list_field] = window
    return mapped


def _single_request(
    connector: str, paging: PagingSpec, key: PageKey
) -> tuple[dict[str, str], int, bool]:
    """The variables of the one request, how many items to skip, and whether one item
    past the window is asked for (so that `has_more` is known)."""
    end = key.offset + key.limit
    if paging.style == "offset_limit":
        lookahead = key.limit + 1 <= paging.max_size
        limit = key.limit + 1 if lookahead else key.limit
        return {"offset": str(key.offset), "limit": str(limit)}, 0, lookahead
    if paging.style == "page_size" and key.offset % key.limit == 0:
        page = key.offset // key.limit + paging.page_base
        return {"page": str(page), "size": str(key.limit)}, 0, False
    # page_size, unaligned, reads from the first page; limit_only always does.
    if end > paging.max_size:
        raise _too_far(connector)
    lookahead = end + 1 <= paging.max_size
    count = str(end + 1 if lookahead else end)
    if paging.style == "page_size":
        return {"page": str(paging.page_base), "size": count}, key.offset, lookahead
    return {"limit": count}, key.offset, lookahead


async def _walk(
    connector: str, paging: PagingSpec, key: PageKey, ask: Ask, map_page: MapPage, base: yarl.URL
) -> dict[str, Any]:
    """Cursor and next-link paging: follow the portal's pages until the window is covered."""
    assert paging.next is not None
    end = key.offset + key.limit
    collected: list[Any] = []
    first: dict[str, Any] | None = None
    request: Mapping[str, str] | yarl.URL = {"id": key.id, "limit": _count(paging, end)}
    for _ in range(paging.max_pages):
        asked, data = await ask(request)
        mapped = map_page(data)
        first = first if first is not None else mapped
        collected += _listed(connector, paging, mapped)
        following = lookup(data, paging.next)
        if isinstance(following, int) and not isinstance(following, bool):
            following = str(following)
        elif isinstance(following, dict | list | bool):
            raise BadUpstreamData(connector)
        more = isinstance(following, str) and following != ""
        if len(collected) > end or not more:
            first[paging.list_field] = collected[key.offset : end]
            first["has_more"] = len(collected) > end or more
            return first
        assert isinstance(following, str)
        if paging.style == "cursor":
            remaining = end + 1 - len(collected)
            request = {"id": key.id, "limit": _count(paging, remaining), "cursor": following}
        else:
            request = follow_link(connector, base, asked, following)
    raise _too_far(connector)


def _count(paging: PagingSpec, wanted: int) -> str:
    return str(max(1, min(paging.max_size, wanted)))


def _listed(connector: str, paging: PagingSpec, mapped: Mapping[str, Any]) -> list[Any]:
    """The page's mapped list; an answer without one is unreadable, not an empty page."""
    listed = mapped.get(paging.list_field)
    if not isinstance(listed, list):
        raise BadUpstreamData(connector)
    return listed


def _signalled_more(paging: PagingSpec, data: Any, mapped: dict[str, Any]) -> None:
    """`has_more` from the answer's own flag, when the registry names one."""
    if paging.has_more is not None:
        flag = lookup(data, paging.has_more)
        if isinstance(flag, bool):
            mapped["has_more"] = flag


def follow_link(connector: str, base: yarl.URL, asked: yarl.URL, link: str) -> yarl.URL:
    """The next page's URL, resolved against the page that linked to it.

    The link is sent with the connector's credentials, so it must stay on the portal:
    the origin of the page that linked to it, no user info, a path under the
    connector's base URL, and no dot segments or encoded dots and separators (a portal
    could decode those into another path). Anything else is BadUpstreamData, unsent.
    """
    path_text = link.split("?", 1)[0].split("#", 1)[0]
    segments = path_text.split("/")
    if any(trick in path_text.lower() for trick in _ENCODED_PATH_TRICKS) or any(
        segment in (".", "..") for segment in segments
    ):
        raise BadUpstreamData(connector, f"{connector} linked to a page outside the portal")
    try:
        target = asked.join(yarl.URL(link))
    except ValueError as exc:
        raise BadUpstreamData(connector) from exc
    if (
        target.origin() != asked.origin()
        or target.user is not None
        or not target.raw_path.startswith(base.raw_path.rstrip("/") + "/")
    ):
        raise BadUpstreamData(connector, f"{connector} linked to a page outside the portal")
    return target


def _too_far(connector: str) -> UpstreamRejected:
    return UpstreamRejected(connector, 400, f"{connector} cannot page that far")
