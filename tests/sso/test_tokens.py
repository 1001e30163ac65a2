"""TokenValidator against a real loopback JWKS: every refusal has its reason and leaks nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from sso.errors import InvalidToken
from sso.jwks import JwksCache
from sso.tokens import Authenticator, TokenPolicy, TokenValidator, bearer_token
from tests.sso.loopback_idp import AUDIENCE, IdentityProvider, Keys, MakeToken, public_jwk

SIGNATURE = "signature or algorithm not accepted"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: Any) -> str:
    return b64url(json.dumps(value).encode())


def claims_now(issuer: str, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": issuer, "aud": AUDIENCE, "sub": "cust-42", "iat": now, "exp": now + 300, **extra}


async def refused(validator: TokenValidator, token: str) -> InvalidToken:
    """Validate `token`, expect a refusal, and check the refusal quotes nothing from it."""
    with pytest.raises(InvalidToken) as caught:
        await validator.validate(token)
    exc = caught.value
    assert_leaks_nothing(exc, token)
    return exc


def assert_leaks_nothing(exc: InvalidToken, token: str) -> None:
    shown = [str(exc), repr(exc), exc.www_authenticate(), *map(str, exc.args)]
    candidates = [token, *token.split("."), *map(str, _claim_values(token))]
    # Very short strings (such as "abc") could appear in any text by accident.
    secrets = [candidate for candidate in candidates if len(candidate) > 3]
    for text in shown:
        for secret in secrets:
            assert secret not in text
    # Library messages (which may quote header values) are not chained either.
    assert exc.__cause__ is None
    assert exc.__suppress_context__ or exc.__context__ is None


def _claim_values(token: str) -> list[Any]:
    parts = token.split(".")
    if len(parts) != 3:
        return []
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return []
    if not isinstance(payload, dict):
        return []
    return list(payload.values())


# --- happy paths -----------------------------------------------------------------------


async def test_valid_rs256_token_returns_its_claims(
    validator: TokenValidator, make_token: MakeToken, idp: IdentityProvider
) -> None:
    claims = await validator.validate(make_token({"scope": "orders:read"}))
    assert claims["sub"] == "cust-42"
    assert claims["iss"] == idp.issuer
    assert claims["scope"] == "orders:read"


async def test_valid_es256_token_when_configured(
    make_policy: Callable[..., TokenPolicy], jwks: JwksCache, make_token: MakeToken, keys: Keys
) -> None:
    validator = TokenValidator(make_policy(algorithms=("RS256", "ES256")), jwks)
    claims = await validator.validate(make_token(key=keys.ec256, kid="ec-1", alg="ES256"))
    assert claims["sub"] == "cust-42"


async def test_es256_refused_when_policy_allows_only_rs256(
    validator: TokenValidator, make_token: MakeToken, keys: Keys
) -> None:
    exc = await refused(validator, make_token(key=keys.ec256, kid="ec-1", alg="ES256"))
    assert exc.reason == SIGNATURE


async def test_valid_eddsa_token_when_configured(
    make_policy: Callable[..., TokenPolicy],
    jwks: JwksCache,
    make_token: MakeToken,
    keys: Keys,
    idp: IdentityProvider,
) -> None:
    idp.publish(public_jwk(keys.ed25519, "ed-1", use="sig"))
    validator = TokenValidator(make_policy(algorithms=("EdDSA",)), jwks)
    claims = await validator.validate(make_token(key=keys.ed25519, kid="ed-1", alg="EdDSA"))
    assert claims["sub"] == "cust-42"


async def test_any_configured_audience_is_accepted(
    make_policy: Callable[..., TokenPolicy], jwks: JwksCache, make_token: MakeToken
) -> None:
    validator = TokenValidator(make_policy(audience=["other-api", AUDIENCE]), jwks)
    token = make_token({"aud": ["billing", AUDIENCE]})
    assert (await validator.validate(token))["sub"] == "cust-42"


# --- algorithm attacks -----------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_alg_none_is_refused(
    validator: TokenValidator, idp: IdentityProvider, alg: str
) -> None:
    header = {"alg": alg, "kid": "rsa-1", "typ": "at+jwt"}
    token = f"{b64url_json(header)}.{b64url_json(claims_now(idp.issuer))}."
    exc = await refused(validator, token)
    assert exc.reason == SIGNATURE


async def test_hs256_signed_with_the_rsa_public_key_is_refused(
    validator: TokenValidator, idp: IdentityProvider, keys: Keys
) -> None:
    # The classic confusion attack: the public key's PEM bytes used as the HMAC secret.
    # pyjwt refuses to sign that way, so the token is built by hand.
    secret = keys.rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = (
        f"{b64url_json({'alg': 'HS256', 'kid': 'rsa-1', 'typ': 'at+jwt'})}."
        f"{b64url_json(claims_now(idp.issuer))}"
    )
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    exc = await refused(validator, f"{signing_input}.{b64url(signature)}")
    assert exc.reason == SIGNATURE


async def test_hs256_with_a_published_oct_key_is_refused(
    make_policy: Callable[..., TokenPolicy],
    jwks: JwksCache,
    idp: IdentityProvider,
    keys: Keys,
) -> None:
    # Even a JWKS that (wrongly) publishes a symmetric key never makes HS256 usable.
    secret = b"s" * 32
    idp.publish(
        public_jwk(keys.rsa, "rsa-1", alg="RS256"),
        {"kty": "oct", "kid": "oct-1", "k": b64url(secret), "alg": "HS256"},
    )
    validator = TokenValidator(make_policy(algorithms=("RS256", "PS256")), jwks)
    signing_input = (
        f"{b64url_json({'alg': 'HS256', 'kid': 'oct-1'})}.{b64url_json(claims_now(idp.issuer))}"
    )
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    exc = await refused(validator, f"{signing_input}.{b64url(signature)}")
    assert exc.reason == SIGNATURE


async def test_es256_header_with_an_rsa_key_is_refused(
    make_policy: Callable[..., TokenPolicy],
    jwks: JwksCache,
    make_token: MakeToken,
    keys: Keys,
    idp: IdentityProvider,
) -> None:
    # The RSA JWK declares no alg, so only the key type check stands in the way.
    idp.publish(public_jwk(keys.rsa, "rsa-plain"), public_jwk(keys.ec256, "ec-1"))
    validator = TokenValidator(make_policy(algorithms=("RS256", "ES256")), jwks)
    exc = await refused(validator, make_token(key=keys.ec256, kid="rsa-plain", alg="ES256"))
    assert exc.reason == SIGNATURE


async def test_es256_header_naming_an_rs256_key_is_refused(
    make_policy: Callable[..., TokenPolicy], jwks: JwksCache, make_token: MakeToken, keys: Keys
) -> None:
    validator = TokenValidator(make_policy(algorithms=("RS256", "ES256")), jwks)
    exc = await refused(validator, make_token(key=keys.ec256, kid="rsa-1", alg="ES256"))
    assert exc.reason == SIGNATURE


async def test_ecdsa_curve_must_match_the_algorithm(
    make_policy: Callable[..., TokenPolicy],
    jwks: JwksCache,
    idp: IdentityProvider,
    keys: Keys,
) -> None:
    idp.publish(public_jwk(keys.ec256, "ec-plain"))
    validator = TokenValidator(make_policy(algorithms=("ES256", "ES384")), jwks)
    header = {"alg": "ES384", "kid": "ec-plain", "typ": "at+jwt"}
    token = f"{b64url_json(header)}.{b64url_json(claims_now(idp.issuer))}.{b64url(b'x' * 96)}"
    exc = await refused(validator, token)
    assert exc.reason == SIGNATURE


async def test_algorithm_other_than_the_one_the_jwk_declares_is_refused(
    make_policy: Callable[..., TokenPolicy], jwks: JwksCache, make_token: MakeToken, keys: Keys
) -> None:
    # rsa-1 declares RS256; a PS256 signature by the same key is still refused.
    validator = TokenValidator(make_policy(algorithms=("RS256", "PS256")), jwks)
    exc = await refused(validator, make_token(key=keys.rsa, kid="rsa-1", alg="PS256"))
    assert exc.reason == SIGNATURE


async def test_rsa_family_algorithm_allowed_when_the_jwk_declares_none(
    make_policy: Callable[..., TokenPolicy],
    jwks: JwksCache,
    make_token: MakeToken,
    keys: Keys,
    idp: IdentityProvider,
) -> None:
    idp.publish(public_jwk(keys.rsa, "rsa-plain"))
    validator = TokenValidator(make_policy(algorithms=("PS256",)), jwks)
    claims = await validator.validate(make_token(key=keys.rsa, kid="rsa-plain", alg="PS256"))
    assert claims["sub"] == "cust-42"


async def test_rsa_key_below_2048_bits_is_refused(
    validator: TokenValidator, make_token: MakeToken, keys: Keys, idp: IdentityProvider
) -> None:
    idp.publish(public_jwk(keys.rsa_weak, "rsa-weak", alg="RS256"))
    exc = await refused(validator, make_token(key=keys.rsa_weak, kid="rsa-weak"))
    assert exc.reason == SIGNATURE


async def test_tampered_payload_is_refused(
    validator: TokenValidator, make_token: MakeToken, idp: IdentityProvider
) -> None:
    header, _, signature = make_token().split(".")
    forged = b64url_json(claims_now(idp.issuer, sub="cust-43", roles=["admin"]))
    exc = await refused(validator, f"{header}.{forged}.{signature}")
    assert exc.reason == SIGNATURE


async def test_signature_from_another_key_is_refused(
    validator: TokenValidator, make_token: MakeToken, keys: Keys
) -> None:
    exc = await refused(validator, make_token(key=keys.rsa_next, kid="rsa-1"))
    assert exc.reason == SIGNATURE


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt", " Application/At+JWT"])
async def test_access_token_type_is_accepted_in_any_case(
    validator: TokenValidator, make_token: MakeToken, typ: str
) -> None:
    assert (await validator.validate(make_token(headers={"typ": typ})))["sub"] == "cust-42"


@pytest.mark.parametrize("typ", ["JWT", "id_token+jwt", "logout+jwt", None, 7])
async def test_other_token_types_are_not_access_tokens(
    validator: TokenValidator, make_token: MakeToken, jwks: JwksCache, typ: object
) -> None:
    # An ID token from the same issuer must not pass as an access token (RFC 9068 §4).
    exc = await refused(validator, make_token(headers={"typ": typ}))
    assert exc.reason == "not an access token"
    assert exc.www_authenticate().endswith(
        'error="invalid_token", error_description="not an access token"'
    )
    assert jwks.fetch_count == 0  # refused before any key lookup


@pytest.mark.parametrize("typ", ["JWT", None])
async def test_untyped_tokens_pass_when_the_type_is_not_required(
    make_policy: Callable[..., TokenPolicy], jwks: JwksCache, make_token: MakeToken, typ: str | None
) -> None:
    validator = TokenValidator(make_policy(require_at_jwt_typ=False), jwks)
    assert (await validator.validate(make_token(headers={"typ": typ})))["sub"] == "cust-42"


@pytest.mark.parametrize("typ", ["id_token+jwt", "logout+jwt", "secevent+jwt", 7, ["at+jwt"]])
async def test_a_foreign_type_is_refused_even_when_the_type_is_not_required(
    make_policy: Callable[..., TokenPolicy], jwks: JwksCache, make_token: MakeToken, typ: object
) -> None:
    validator = TokenValidator(make_policy(require_at_jwt_typ=False), jwks)
    exc = await refused(validator, make_token(headers={"typ": typ}))
    assert exc.reason == "not an access token"


@pytest.mark.parametrize("require", [True, False])
@pytest.mark.parametrize("claim", ["nonce", "at_hash", "c_hash", "s_hash"])
async def test_id_token_claims_are_refused_whatever_the_type(
    make_policy: Callable[..., TokenPolicy],
    jwks: JwksCache,
    make_token: MakeToken,
    claim: str,
    require: bool,
) -> None:
    validator = TokenValidator(make_policy(require_at_jwt_typ=require), jwks)
    typ = "at+jwt" if require else "JWT"
    exc = await refused(validator, make_token({claim: "x1"}, headers={"typ": typ}))
    assert exc.reason == "not an access token"


async def test_an_id_token_policy_accepts_id_tokens(
    make_policy: Callable[..., TokenPolicy], jwks: JwksCache, make_token: MakeToken
) -> None:
    validator = TokenValidator(make_policy(use="id"), jwks)
    token = make_token({"nonce": "n-1", "at_hash": "h"}, headers={"typ": "JWT"})
    assert (await validator.validate(token))["nonce"] == "n-1"


# --- keys ------------------------------------------------------------------------------


async def test_unknown_kid_is_refused(validator: TokenValidator, make_token: MakeToken) -> None:
    exc = await refused(validator, make_token(kid="no-such-key"))
    assert exc.reason == "signing key not found"


@pytest.mark.parametrize("kid", [None, ""])
async def test_missing_kid_is_refused(
    validator: TokenValidator, make_token: MakeToken, jwks: JwksCache, kid: str | None
) -> None:
    exc = await refused(validator, make_token(kid=kid))
    assert exc.reason == "signing key not found"
    assert jwks.fetch_count == 0  # no key lookup for a token that names no key


# --- time ------------------------------------------------------------------------------


async def test_expired_token_is_refused(validator: TokenValidator, make_token: MakeToken) -> None:
    now = int(time.time())
    exc = await refused(validator, make_token({"iat": now - 7200, "exp": now - 3600}))
    assert exc.reason == "token has expired"


async def test_token_before_nbf_is_refused(
    validator: TokenValidator, make_token: MakeToken
) -> None:
    exc = await refused(validator, make_token({"nbf": int(time.time()) + 3600}))
    assert exc.reason == "token is not yet valid"


async def test_token_issued_in_the_future_is_refused(
    validator: TokenValidator, make_token: MakeToken
) -> None:
    now = int(time.time())
    exc = await refused(validator, make_token({"iat": now + 3600, "exp": now + 7200}))
    assert exc.reason == "token is not yet valid"


async def test_leeway_covers_small_clock_skew(
    make_policy: Callable[..., TokenPolicy], jwks: JwksCache, make_token: MakeToken
) -> None:
    now = int(time.time())
    skewed = make_token({"iat": now + 5, "nbf": now + 5, "exp": now - 5})
    lenient = TokenValidator(make_policy(leeway_s=60), jwks)
    assert (await lenient.validate(skewed))["sub"] == "cust-42"
    strict = TokenValidator(make_policy(leeway_s=0), jwks)
    assert (await refused(strict, skewed)).reason in {"token has expired", "token is not yet valid"}


async def test_leeway_does_not_stretch_far(
    make_policy: Callable[..., TokenPolicy], jwks: JwksCache, make_token: MakeToken
) -> None:
    now = int(time.time())
    validator = TokenValidator(make_policy(leeway_s=60), jwks)
    exc = await refused(validator, make_token({"iat": now - 600, "exp": now - 120}))
    assert exc.reason == "token has expired"


async def test_time_claims_must_be_numbers(
    validator: TokenValidator, make_token: MakeToken
) -> None:
    exc = await refused(validator, make_token({"exp": str(int(time.time()) + 300)}))
    assert exc.reason == "token is malformed"


# --- issuer, audience, required claims ---------------------------------------------------


async def test_wrong_issuer_is_refused(validator: TokenValidator, make_token: MakeToken) -> None:
    exc = await refused(validator, make_token({"iss": "https://evil.example"}))
    assert exc.reason == "issuer not accepted"


async def test_issuer_prefix_is_not_enough(
    validator: TokenValidator, make_token: MakeToken, idp: IdentityProvider
) -> None:
    exc = await refused(validator, make_token({"iss": idp.issuer + "/tenant"}))
    assert exc.reason == "issuer not accepted"


@pytest.mark.parametrize("aud", ["billing-api", ["billing-api", "crm-api"]])
async def test_wrong_audience_is_refused(
    validator: TokenValidator, make_token: MakeToken, aud: str | list[str]
) -> None:
    exc = await refused(validator, make_token({"aud": aud}))
    assert exc.reason == "audience not accepted"


@pytest.mark.parametrize("claim", ["exp", "sub", "iat", "iss", "aud"])
async def test_missing_required_claim_is_refused(
    validator: TokenValidator, make_token: MakeToken, claim: str
) -> None:
    exc = await refused(validator, make_token(drop=(claim,)))
    assert exc.reason == "required claim missing"


async def test_non_string_subject_is_refused(
    validator: TokenValidator, make_token: MakeToken
) -> None:
    exc = await refused(validator, make_token({"sub": 12345}))
    assert exc.reason == "required claim missing"


# --- garbage ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "x" * 10_000,
        "eyJ.eyJ.sig" + "A" * 9000,
        "é.é.é",
        "a b.c d.e f",
        b64url(b"not json") + ".e30.c2ln",
        b64url_json(["alg", "RS256"]) + ".e30.c2ln",
        b64url_json({"alg": "RS256", "kid": "rsa-1", "typ": "at+jwt"})
        + "."
        + b64url(b"[1,2]")
        + ".c2ln",
        b64url_json({"alg": "RS256", "kid": "rsa-1", "typ": "at+jwt"}) + ".!!!!.c2ln",
    ],
)
async def test_garbage_is_refused_as_malformed_or_unsigned(
    validator: TokenValidator, token: str
) -> None:
    exc = await refused(validator, token)
    assert exc.reason in {"token is malformed", SIGNATURE}


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "x" * 10_000, "é.é.é"])
async def test_obvious_garbage_is_malformed_without_a_key_lookup(
    validator: TokenValidator, jwks: JwksCache, token: str
) -> None:
    exc = await refused(validator, token)
    assert exc.reason == "token is malformed"
    assert jwks.fetch_count == 0


async def test_oversized_but_well_signed_token_is_refused(
    validator: TokenValidator, make_token: MakeToken
) -> None:
    exc = await refused(validator, make_token({"padding": "p" * 9000}))
    assert exc.reason == "token is malformed"


async def test_unsupported_crit_header_is_refused(
    validator: TokenValidator, idp: IdentityProvider
) -> None:
    header = {"alg": "RS256", "kid": "rsa-1", "crit": ["exp-ext"], "exp-ext": 1}
    token = f"{b64url_json(header)}.{b64url_json(claims_now(idp.issuer))}.c2ln"
    assert (await refused(validator, token)).reason == "token is malformed"


# --- Authorization header ---------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header_is_missing(header: str | None) -> None:
    with pytest.raises(InvalidToken) as caught:
        bearer_token(header)
    assert caught.value.reason == "token is missing"
    assert caught.value.www_authenticate() == 'Bearer realm="portalgate"'


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b", "Token abc", "Bearerabc"]
)
def test_other_schemes_and_shapes_are_malformed(header: str) -> None:
    with pytest.raises(InvalidToken) as caught:
        bearer_token(header)
    assert caught.value.reason == "token is malformed"


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
async def test_authenticator_accepts_any_case_of_bearer(
    validator: TokenValidator, make_token: MakeToken, scheme: str
) -> None:
    claims = await Authenticator(validator).authenticate_header(f"{scheme} {make_token()}")
    assert claims["sub"] == "cust-42"


async def test_authenticator_builds_the_principal(
    validator: TokenValidator, make_token: MakeToken, idp: IdentityProvider
) -> None:
    token = make_token({"scope": "orders:read profile", "links": {"crm": "C-1"}})
    principal = await Authenticator(validator).authenticate(f"Bearer {token}")
    assert (principal.subject, principal.issuer) == ("cust-42", idp.issuer)
    assert principal.scopes == {"orders:read", "profile"}
    assert principal.links == {"crm": "C-1"}
    assert principal.token == token
    assert token not in repr(principal)


async def test_authenticator_refusal_carries_the_header(
    validator: TokenValidator, make_token: MakeToken
) -> None:
    now = int(time.time())
    token = make_token({"iat": now - 7200, "exp": now - 3600})
    with pytest.raises(InvalidToken) as caught:
        await Authenticator(validator).authenticate(f"Bearer {token}")
    assert caught.value.www_authenticate(realm="portalgate") == (
        'Bearer realm="portalgate", error="invalid_token", error_description="token has expired"'
    )
    assert_leaks_nothing(caught.value, token)
