"""The session factory: TLS with a private CA and a connection cap per portal, for real.

The servers are plain aiohttp apps on loopback: one serving HTTPS with a certificate from
a CA made for the test, one that records how many requests it holds at once.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yarl
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from connectors.health import probe_health
from connectors.http import SessionFactory


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_ca_and_server_cert(folder: Path) -> tuple[Path, Path, Path]:
    """A CA, and a certificate for 127.0.0.1 it signed: (ca.pem, server.pem, server.key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("portalgate test CA"))
        .issuer_name(_name("portalgate test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@pytest.fixture
async def https_portal(tmp_path: Path) -> AsyncIterator[tuple[yarl.URL, Path]]:
    """An HTTPS server with a /health route, and the CA file that verifies it."""
    ca_file, cert_file, key_file = _write_ca_and_server_cert(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    app = web.Application()
    app.router.add_get("/health", _health)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_tls)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield yarl.URL(f"https://127.0.0.1:{port}/health"), ca_file
    finally:
        await runner.cleanup()


async def test_a_portal_signed_by_a_private_ca_is_trusted_with_its_ca_file(
    https_portal: tuple[yarl.URL, Path],
) -> None:
    url, ca_file = https_portal
    private_ca = ssl.create_default_context(cafile=str(ca_file))

    async with SessionFactory(ssl=private_ca).open() as session:
        trusted = await probe_health(session, url)
    async with SessionFactory().open() as session:
        default = await probe_health(session, url)

    assert trusted.status == "up"
    # the system's CAs do not know the test CA: the certificate is refused
    assert (default.status, default.reason) == ("down", "unreachable")


class ConcurrencyRecorder:
    """Holds each request until `expected` are inside or a short wait passes, and records
    the most it held at once."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.inside = 0
        self.peak = 0
        self._all_in = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.inside += 1
        self.peak = max(self.peak, self.inside)
        if self.inside >= self.expected:
            self._all_in.set()
        try:
            async with asyncio.timeout(0.3):
                await self._all_in.wait()
        except TimeoutError:
            pass
        finally:
            self.inside -= 1
        return web.json_response({"status": "ok"})


@pytest.mark.parametrize(("limit", "peak"), [(1, 1), (0, 3)])
async def test_connections_per_portal_are_capped_by_limit_per_host(limit: int, peak: int) -> None:
    recorder = ConcurrencyRecorder(expected=3)
    app = web.Application()
    app.router.add_get("/health", recorder.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = yarl.URL(f"http://127.0.0.1:{runner.addresses[0][1]}/health")
    try:
        async with SessionFactory(limit_per_host=limit).open() as session:
            probes = await asyncio.gather(*(probe_health(session, url) for _ in range(3)))
    finally:
        await runner.cleanup()

    assert [probe.status for probe in probes] == ["up"] * 3
    assert recorder.peak == peak


def test_settings_that_cannot_work_are_refused() -> None:
    with pytest.raises(ValueError, match="connect_timeout_s"):
        SessionFactory(connect_timeout_s=0)
    with pytest.raises(ValueError, match="limit_per_host"):
        SessionFactory(limit_per_host=-1)
