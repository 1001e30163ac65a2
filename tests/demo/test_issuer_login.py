"""DevIssuer code flow over real sockets: the login form, PKCE, codes, SSO and logout."""

from __future__ import annotations

import aiohttp
import jwt
import pytest

from demo.data import DemoCustomer
from demo.issuer import DevIssuer
from tests.demo.oidc import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    LoginAttempt,
    callback_params,
    claims_of,
    client_basic,
    open_login_form,
    parse_page,
    redeem,
    sign_in,
    submit,
    token_request,
)


async def authorize(
    browser: aiohttp.ClientSession, issuer: DevIssuer, params: dict[str, str]
) -> aiohttp.ClientResponse:
    async with browser.get(f"{issuer.url}/authorize", params=params, allow_redirects=False) as r:
        await r.read()
        return r


async def test_code_flow_with_pkce_signs_in_and_returns_tokens(
    browser: aiohttp.ClientSession, issuer: DevIssuer, customers: list[DemoCustomer]
) -> None:
    attempt = LoginAttempt.new()
    form = await open_login_form(browser, issuer, attempt)
    assert {"username", "password", "login"} <= form.ids
    assert (form.action, form.method) == ("/login", "post")
    assert form.fields["code_challenge"] == attempt.challenge
    assert "error" not in form.ids

    resp = await submit(browser, issuer, form, "cust-001", "demo")
    assert resp.status == 302
    callback = callback_params(resp.headers["Location"])
    assert callback["state"] == attempt.state
    assert callback["iss"] == issuer.url  # RFC 9207

    status, body = await redeem(browser, issuer, callback["code"], attempt)
    assert status == 200
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
    assert body["scope"] == "openid profile email"
    assert body["refresh_token"]
    access = claims_of(issuer, body["access_token"])
    assert access["sub"] == "cust-001"
    assert access["links"]["orders"] == customers[0].shop_no
    assert access["client_id"] == CLIENT_ID
    id_token = claims_of(issuer, body["id_token"], audience=CLIENT_ID)
    assert id_token["sub"] == "cust-001"
    assert id_token["nonce"] == attempt.nonce
    assert id_token["email"] == customers[0].email
    assert id_token["name"] == f"{customers[0].first_name} {customers[0].last_name}"
    assert id_token["sid"] and id_token["at_hash"]
    assert id_token["exp"] > id_token["iat"] >= id_token["auth_time"]
    assert issuer.requests["authorize"] == 1
    assert issuer.requests["login"] == 1
    assert issuer.requests["token"] == 1


@pytest.mark.parametrize("username", ["emp-001", "CLARA.OSWALD@staff.example.com"])
async def test_employees_sign_in_by_subject_or_email(
    browser: aiohttp.ClientSession, issuer: DevIssuer, username: str
) -> None:
    attempt = LoginAttempt.new()
    code = await sign_in(browser, issuer, attempt, username)
    status, body = await redeem(browser, issuer, code, attempt)
    assert status == 200
    access = claims_of(issuer, body["access_token"])
    assert (access["sub"], access["roles"]) == ("emp-001", ["customer_service"])


async def test_wrong_password_shows_the_form_again_with_an_error(
    browser: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    attempt = LoginAttempt.new()
    form = await open_login_form(browser, issuer, attempt)
    data = {**form.fields, "username": "cust-001", "password": "wrong"}
    async with browser.post(issuer.url + form.action, data=data, allow_redirects=False) as r:
        assert r.status == 200
        assert "Set-Cookie" not in r.headers
        page = parse_page(await r.text())
    assert "error" in page.ids
    assert page.fields["username"] == "cust-001"
    assert page.fields["code_challenge"] == attempt.challenge
    assert len(browser.cookie_jar) == 0


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"scope": "profile email"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"prompt": "none login"}, "invalid_request"),
    ],
)
async def test_bad_requests_go_back_to_the_client_with_an_error(
    browser: aiohttp.ClientSession,
    issuer: DevIssuer,
    changes: dict[str, str | None],
    error: str,
) -> None:
    attempt = LoginAttempt.new()
    resp = await authorize(browser, issuer, attempt.params(**changes))
    assert resp.status == 302
    callback = callback_params(resp.headers["Location"])
    assert callback["error"] == error
    assert callback["state"] == attempt.state
    assert "code" not in callback


@pytest.mark.parametrize(
    "changes",
    [
        {"client_id": "someone-else"},
        {"client_id": None},
        {"redirect_uri": None},
        {"redirect_uri": "https://evil.example/auth/callback"},
        {"redirect_uri": "http://evil.example:8080/auth/callback"},
        {"redirect_uri": "http://127.0.0.1:8080/elsewhere"},
        {"redirect_uri": "http://127.0.0.1/auth/callback"},
        {"redirect_uri": REDIRECT_URI + "?next=https://evil.example"},
        {"redirect_uri": "http://user@127.0.0.1:8080/auth/callback"},
    ],
)
async def test_unknown_client_or_redirect_uri_is_an_error_page_never_a_redirect(
    browser: aiohttp.ClientSession, issuer: DevIssuer, changes: dict[str, str | None]
) -> None:
    resp = await authorize(browser, issuer, LoginAttempt.new().params(**changes))
    assert resp.status == 400
    assert resp.content_type == "text/html"
    assert "Location" not in resp.headers


async def test_localhost_callbacks_on_any_port_are_accepted(
    browser: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    uri = "http://localhost:3000/app/auth/callback"
    resp = await authorize(browser, issuer, LoginAttempt.new().params(redirect_uri=uri))
    assert resp.status == 200


async def test_the_login_form_is_checked_again_when_posted(
    browser: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    form = await open_login_form(browser, issuer, LoginAttempt.new())
    form.fields["redirect_uri"] = "https://evil.example/auth/callback"
    resp = await submit(browser, issuer, form, "cust-001", "demo")
    assert resp.status == 400
    assert "Location" not in resp.headers


async def test_a_wrong_code_verifier_fails_and_spends_the_code(
    browser: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    attempt = LoginAttempt.new()
    code = await sign_in(browser, issuer, attempt)
    other = LoginAttempt.new()
    status, body = await redeem(browser, issuer, code, other)
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = await redeem(browser, issuer, code, attempt)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_a_code_works_once_and_its_reuse_revokes_what_it_gave(
    browser: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    attempt = LoginAttempt.new()
    code = await sign_in(browser, issuer, attempt)
    status, first = await redeem(browser, issuer, code, attempt)
    assert status == 200
    status, body = await redeem(browser, issuer, code, attempt)
    assert (status, body["error"]) == (400, "invalid_grant")
    form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    status, body = await token_request(browser, issuer, form)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_the_code_is_bound_to_the_redirect_uri(
    browser: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    attempt = LoginAttempt.new()
    code = await sign_in(browser, issuer, attempt)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "http://127.0.0.1:9999/auth/callback",
        "code_verifier": attempt.verifier,
    }
    status, body = await token_request(browser, issuer, form)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_an_expired_code_is_refused(
    browser: aiohttp.ClientSession, customers: list[DemoCustomer]
) -> None:
    async with DevIssuer(customers, client_secret=CLIENT_SECRET, code_ttl_s=0) as issuer:
        attempt = LoginAttempt.new()
        code = await sign_in(browser, issuer, attempt)
        status, body = await redeem(browser, issuer, code, attempt)
    assert (status, body["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    ("headers", "extra", "status", "error"),
    [
        ({}, {}, 401, "invalid_client"),
        (client_basic(secret="wrong"), {}, 401, "invalid_client"),
        (client_basic(client_id="other"), {}, 401, "invalid_client"),
        ({}, {"client_id": CLIENT_ID}, 401, "invalid_client"),
        ({}, {"client_id": CLIENT_ID, "client_secret": "wrong"}, 401, "invalid_client"),
        (client_basic(), {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, 400,
         "invalid_request"),
    ],
)  # fmt: skip
async def test_the_token_endpoint_authenticates_the_client(
    browser: aiohttp.ClientSession,
    issuer: DevIssuer,
    headers: dict[str, str],
    extra: dict[str, str],
    status: int,
    error: str,
) -> None:
    attempt = LoginAttempt.new()
    code = await sign_in(browser, issuer, attempt)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": attempt.verifier,
        **extra,
    }
    async with browser.post(f"{issuer.url}/token", data=form, headers=headers) as resp:
        assert resp.status == status
        assert (await resp.json())["error"] == error
        if status == 401:
            assert resp.headers["WWW-Authenticate"].startswith("Basic")


async def test_client_secret_post_works_too(
    browser: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    attempt = LoginAttempt.new()
    code = await sign_in(browser, issuer, attempt)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": attempt.verifier,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    status, body = await token_request(browser, issuer, form, headers={})
    assert status == 200
    assert body["id_token"]


async def test_a_signed_in_browser_skips_the_form_unless_prompt_login(
    browser: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    first = LoginAttempt.new()
    await sign_in(browser, issuer, first, "cust-002")
    second = LoginAttempt.new()
    resp = await authorize(browser, issuer, second.params())
    assert resp.status == 302  # single sign-on: straight back with a code
    callback = callback_params(resp.headers["Location"])
    assert callback["state"] == second.state
    status, body = await redeem(browser, issuer, callback["code"], second)
    assert status == 200
    assert claims_of(issuer, body["access_token"])["sub"] == "cust-002"

    resp = await authorize(browser, issuer, LoginAttempt.new().params(prompt="login"))
    assert resp.status == 200
    assert issuer.requests["login"] == 1


async def test_prompt_none_without_a_session_answers_login_required(
    browser: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    resp = await authorize(browser, issuer, LoginAttempt.new().params(prompt="none"))
    assert resp.status == 302
    assert callback_params(resp.headers["Location"])["error"] == "login_required"


async def test_end_session_signs_the_browser_out_and_revokes_its_refresh_tokens(
    browser: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    attempt = LoginAttempt.new()
    code = await sign_in(browser, issuer, attempt)
    _, tokens = await redeem(browser, issuer, code, attempt)
    params = {
        "id_token_hint": tokens["id_token"],
        "post_logout_redirect_uri": "http://127.0.0.1:8080/signed-out",
        "state": "bye",
        "client_id": CLIENT_ID,
    }
    async with browser.get(f"{issuer.url}/logout", params=params, allow_redirects=False) as r:
        assert r.status == 302
        assert r.headers["Location"] == "http://127.0.0.1:8080/signed-out?state=bye"
    assert issuer.requests["end_session"] == 1
    assert len(browser.cookie_jar) == 0

    resp = await authorize(browser, issuer, LoginAttempt.new().params())
    assert resp.status == 200  # the form again: no issuer session left
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    status, body = await token_request(browser, issuer, form)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_end_session_by_id_token_hint_alone_ends_that_session(
    browser: aiohttp.ClientSession, session: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    attempt = LoginAttempt.new()
    code = await sign_in(browser, issuer, attempt)
    _, tokens = await redeem(browser, issuer, code, attempt)
    # Another client without the browser's cookie (a back-end logging the user out).
    params = {"id_token_hint": tokens["id_token"]}
    async with session.get(f"{issuer.url}/logout", params=params) as resp:
        assert resp.status == 200
    resp = await authorize(browser, issuer, LoginAttempt.new().params())
    assert resp.status == 200


async def test_end_session_refuses_a_forged_id_token_hint(
    session: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    forged = jwt.encode({"sub": "cust-001", "iss": issuer.url}, "x" * 32, algorithm="HS256")
    async with session.get(f"{issuer.url}/logout", params={"id_token_hint": forged}) as resp:
        assert resp.status == 400
