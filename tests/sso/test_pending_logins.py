"""The memory store keeps at most `max_pending_logins` started logins, dropping the oldest."""

from __future__ import annotations

from sso.memory_sessions import MemorySessionStore
from sso.sessions import LoginAttempt


def _attempt(n: int) -> LoginAttempt:
    return LoginAttempt(
        verifier=f"v{n}", nonce=f"n{n}", return_to="/", browser_hash=f"b{n}", issuer="https://i"
    )


async def test_past_the_limit_the_oldest_pending_login_goes_first() -> None:
    store = MemorySessionStore(max_pending_logins=3)
    for n in range(5):
        await store.put_login(f"state-{n}", _attempt(n), ttl_s=60)

    assert await store.pop_login("state-0") is None
    assert await store.pop_login("state-1") is None
    assert [await store.pop_login(f"state-{n}") for n in (2, 3, 4)] == [
        _attempt(2),
        _attempt(3),
        _attempt(4),
    ]
    await store.aclose()


async def test_an_already_expired_pending_login_is_not_stored() -> None:
    store = MemorySessionStore(max_pending_logins=1)
    await store.put_login("kept", _attempt(0), ttl_s=60)
    await store.put_login("expired", _attempt(1), ttl_s=0)
    assert await store.pop_login("expired") is None
    assert await store.pop_login("kept") == _attempt(0)
