"""JwksCache and discovery against a real loopback identity provider, with an injected clock."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from sso.errors import IdentityProviderError, InvalidToken
from sso.fetch import MAX_DOCUMENT_BYTES
from sso.jwks import JwksCache, discover, parse_jwks
from tests.sso.loopback_idp import FakeClock, IdentityProvider, Keys, public_jwk

MIN_INTERVAL = 30.0
TTL = 600.0


@pytest.fixture
async def stopped_idp_url() -> AsyncIterator[str]:
    """The URL of an identity provider that has been shut down (connection refused)."""
    server = TestServer(web.Application(), host="127.0.0.1", port=0)
    await server.start_server()
    url = str(server.make_url("/jwks.json"))
    await server.close()
    yield url


async def missing(cache: JwksCache, kid: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        await cache.get_key(kid)
    return caught.value.reason


# --- caching and refresh ---------------------------------------------------------------


async def test_cache_hit_does_not_refetch(jwks: JwksCache, idp: IdentityProvider) -> None:
    first = await jwks.get_key("rsa-1")
    second = await jwks.get_key("rsa-1")
    await jwks.get_key("ec-1")
    assert first is second
    assert jwks.fetch_count == 1
    assert idp.state.hits["jwks"] == 1


async def test_unknown_kid_does_not_refetch_within_the_min_interval(
    jwks: JwksCache, idp: IdentityProvider, clock: FakeClock
) -> None:
    await jwks.get_key("rsa-1")
    assert await missing(jwks, "unknown") == "signing key not found"
    clock.advance(MIN_INTERVAL - 1)
    assert await missing(jwks, "unknown") == "signing key not found"
    assert jwks.fetch_count == 1
    clock.advance(1)
    assert await missing(jwks, "unknown") == "signing key not found"
    assert await missing(jwks, "other-unknown") == "signing key not found"
    assert jwks.fetch_count == 2
    assert idp.state.hits["jwks"] == 2


async def test_rotated_key_is_found_after_one_refresh(
    jwks: JwksCache, idp: IdentityProvider, clock: FakeClock, keys: Keys
) -> None:
    await jwks.get_key("rsa-1")
    idp.publish(public_jwk(keys.rsa_next, "rsa-2", alg="RS256"))
    clock.advance(MIN_INTERVAL)
    assert (await jwks.get_key("rsa-2")).key_id == "rsa-2"
    assert jwks.fetch_count == 2
    # The retired key is gone with the refresh.
    assert await missing(jwks, "rsa-1") == "signing key not found"


async def test_flood_of_unknown_kids_costs_one_fetch(
    jwks: JwksCache, idp: IdentityProvider, clock: FakeClock
) -> None:
    await jwks.get_key("rsa-1")
    clock.advance(MIN_INTERVAL)
    kids = [uuid.uuid4().hex for _ in range(50)]
    results = await asyncio.gather(*(jwks.get_key(kid) for kid in kids), return_exceptions=True)
    assert all(isinstance(r, InvalidToken) for r in results)
    assert {r.reason for r in results if isinstance(r, InvalidToken)} == {"signing key not found"}
    assert jwks.fetch_count == 2
    assert idp.state.hits["jwks"] == 2


async def test_concurrent_cold_start_shares_one_fetch(
    jwks: JwksCache, idp: IdentityProvider
) -> None:
    found = await asyncio.gather(*(jwks.get_key("rsa-1") for _ in range(50)))
    assert {key.key_id for key in found} == {"rsa-1"}
    assert idp.state.hits["jwks"] == 1


async def test_expired_ttl_triggers_a_refresh(
    jwks: JwksCache, idp: IdentityProvider, clock: FakeClock
) -> None:
    await jwks.get_key("rsa-1")
    clock.advance(TTL - 1)
    await jwks.get_key("rsa-1")
    assert jwks.fetch_count == 1
    clock.advance(1)
    await jwks.get_key("rsa-1")
    assert jwks.fetch_count == 2
    assert idp.state.hits["jwks"] == 2


async def test_key_removed_by_the_provider_stops_working_after_ttl(
    jwks: JwksCache, idp: IdentityProvider, clock: FakeClock, keys: Keys
) -> None:
    await jwks.get_key("rsa-1")
    idp.publish(public_jwk(keys.ec256, "ec-1", alg="ES256"))
    clock.advance(TTL)
    assert await missing(jwks, "rsa-1") == "signing key not found"


async def test_cancelled_caller_does_not_cancel_the_shared_fetch(
    jwks: JwksCache, idp: IdentityProvider
) -> None:
    idp.state.hold = True
    first = asyncio.create_task(jwks.get_key("rsa-1"))
    await idp.state.entered.wait()
    first.cancel()
    second = asyncio.create_task(jwks.get_key("rsa-1"))
    idp.state.release.set()
    assert (await second).key_id == "rsa-1"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert jwks.fetch_count == 1


# --- failures ----------------------------------------------------------------------------


async def test_stale_keys_are_served_when_the_provider_is_down(
    jwks: JwksCache, idp: IdentityProvider, clock: FakeClock
) -> None:
    await jwks.get_key("rsa-1")
    await idp.server.close()
    clock.advance(TTL + 1)
    assert (await jwks.get_key("rsa-1")).key_id == "rsa-1"
    assert jwks.fetch_count == 2  # it did try
    assert await missing(jwks, "unknown") == "signing key not found"
    # The failed attempt counts toward the rate limit: no hammering a provider that is down.
    assert jwks.fetch_count == 2


@pytest.mark.parametrize("status", [500, 404, 302])
async def test_stale_keys_are_served_when_the_provider_errors(
    jwks: JwksCache, idp: IdentityProvider, clock: FakeClock, status: int
) -> None:
    await jwks.get_key("rsa-1")
    idp.state.jwks_status = status
    clock.advance(TTL)
    assert (await jwks.get_key("rsa-1")).key_id == "rsa-1"
    assert idp.state.hits["jwks"] == 2


async def test_empty_key_set_does_not_replace_good_keys(
    jwks: JwksCache, idp: IdentityProvider, clock: FakeClock
) -> None:
    await jwks.get_key("rsa-1")
    idp.publish()
    clock.advance(TTL)
    assert (await jwks.get_key("rsa-1")).key_id == "rsa-1"


async def test_provider_never_reached_is_unavailable(
    stopped_idp_url: str, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    cache = JwksCache(stopped_idp_url, session, clock=clock)
    assert await missing(cache, "rsa-1") == "identity provider unavailable"
    assert await missing(cache, "rsa-1") == "identity provider unavailable"
    assert cache.fetch_count == 1  # rate limited even before the first success


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'{"keys": {}}', b"[" * 100_000 + b"]" * 100_000]
)
async def test_unusable_document_is_unavailable(
    jwks: JwksCache, idp: IdentityProvider, body: bytes
) -> None:
    idp.state.jwks_body = body
    assert await missing(jwks, "rsa-1") == "identity provider unavailable"


async def test_oversized_document_is_refused(jwks: JwksCache, idp: IdentityProvider) -> None:
    idp.state.jwks_body = b'{"keys": [], "pad": "' + b"p" * MAX_DOCUMENT_BYTES + b'"}'
    assert await missing(jwks, "rsa-1") == "identity provider unavailable"


async def test_slow_provider_times_out(
    idp: IdentityProvider, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    idp.state.hold = True  # never released until teardown
    cache = JwksCache(idp.jwks_uri, session, clock=clock, fetch_timeout_s=0.05)
    assert await missing(cache, "rsa-1") == "identity provider unavailable"
    await cache.aclose()


async def test_aclose_is_idempotent(jwks: JwksCache) -> None:
    await jwks.get_key("rsa-1")
    await jwks.aclose()
    await jwks.aclose()


# --- what counts as a signing key --------------------------------------------------------


def test_only_usable_signature_keys_are_kept(keys: Keys) -> None:
    good = public_jwk(keys.rsa, "good", alg="RS256", use="sig")
    document = {
        "keys": [
            good,
            public_jwk(keys.rsa, None),  # no kid
            public_jwk(keys.rsa, ""),  # empty kid
            public_jwk(keys.rsa, "enc", use="enc"),
            public_jwk(keys.rsa, "wrap", key_ops=["wrapKey"]),
            public_jwk(keys.rsa, "hs-on-rsa", alg="HS256"),
            public_jwk(keys.rsa, "es-on-rsa", alg="ES256"),
            public_jwk(keys.ec256, "es384-on-p256", alg="ES384"),
            {"kty": "oct", "kid": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"},
            {**public_jwk(keys.rsa, "private"), "d": "AQAB"},
            {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
            {"kty": "XYZ", "kid": "unknown-kty"},
            "not an object",
            {**good, "n": "different"},  # duplicate kid: the first one wins
        ]
    }
    parsed = parse_jwks(document)
    assert list(parsed) == ["good"]
    assert parsed["good"].algorithm == "RS256"
    assert parsed["good"].key_type == "RSA"


def test_key_without_use_or_alg_is_kept(keys: Keys) -> None:
    parsed = parse_jwks({"keys": [public_jwk(keys.ec256, "ec")]})
    assert parsed["ec"].algorithm is None
    assert parsed["ec"].curve == "P-256"


def test_document_without_key_list_is_refused() -> None:
    with pytest.raises(IdentityProviderError):
        parse_jwks({"keys": "none"})


@pytest.mark.parametrize(
    "url", ["http://idp.example/jwks.json", "ftp://127.0.0.1/jwks.json", "https:///jwks.json"]
)
async def test_insecure_jwks_uri_is_refused(session: aiohttp.ClientSession, url: str) -> None:
    with pytest.raises(ValueError, match="https"):
        JwksCache(url, session)


async def test_https_and_loopback_uris_are_accepted(session: aiohttp.ClientSession) -> None:
    for url in ("https://idp.example/jwks", "http://127.0.0.1:1/j", "http://[::1]:1/j"):
        await JwksCache(url, session).aclose()


# --- discovery ---------------------------------------------------------------------------


async def test_discover_reads_the_provider_metadata(
    idp: IdentityProvider, session: aiohttp.ClientSession
) -> None:
    metadata = await discover(idp.issuer, session)
    assert metadata.issuer == idp.issuer
    assert metadata.jwks_uri == idp.jwks_uri
    assert metadata.token_endpoint == f"{idp.issuer}/token"
    assert metadata.end_session_endpoint == f"{idp.issuer}/logout"
    assert metadata.userinfo_endpoint is None
    assert idp.state.hits["discovery"] == 1


async def test_discovered_jwks_uri_feeds_the_cache(
    idp: IdentityProvider, session: aiohttp.ClientSession
) -> None:
    metadata = await discover(idp.issuer, session)
    cache = JwksCache(metadata.jwks_uri, session)
    assert (await cache.get_key("rsa-1")).key_id == "rsa-1"


@pytest.mark.parametrize("advertised", ["https://evil.example", "{issuer}/", "{issuer}/other"])
async def test_discover_refuses_another_issuer(
    idp: IdentityProvider, session: aiohttp.ClientSession, advertised: str
) -> None:
    idp.state.advertised_issuer = advertised.format(issuer=idp.issuer)
    with pytest.raises(IdentityProviderError, match="does not match"):
        await discover(idp.issuer, session)


async def test_discover_refuses_an_unreachable_provider(
    stopped_idp_url: str, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(IdentityProviderError):
        await discover(stopped_idp_url.removesuffix("/jwks.json"), session)


@pytest.mark.parametrize("issuer", ["http://idp.example", "https://idp.example?x=1"])
async def test_discover_refuses_an_unsafe_issuer_url(
    session: aiohttp.ClientSession, issuer: str
) -> None:
    with pytest.raises(ValueError, match="issuer"):
        await discover(issuer, session)


async def test_discover_refuses_incomplete_or_insecure_metadata(
    session: aiohttp.ClientSession,
) -> None:
    async def metadata(request: web.Request) -> web.Response:
        base = str(request.url.origin())
        return web.json_response(
            {"issuer": base, "jwks_uri": "http://idp.example/jwks", "token_endpoint": base}
        )

    app = web.Application()
    app.router.add_get("/.well-known/openid-configuration", metadata)
    async with TestServer(app, host="127.0.0.1", port=0) as server:
        issuer = str(server.make_url("")).rstrip("/")
        with pytest.raises(IdentityProviderError) as caught:
            await discover(issuer, session)
    message = str(caught.value)
    assert "jwks_uri" in message
    assert "authorization_endpoint" in message
