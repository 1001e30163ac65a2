"""The connector contract as a pytest suite any kind can run on itself.

A kind's own tests subclass `ConnectorContract` and provide one fixture, `contract`, that
returns a `ContractSubject`: a started connector, the simulated portal behind it, one
capability and keys for it. Parametrize that fixture to check several capabilities or
connectors (the shape of strawberry's tests/http/conftest.py):

    from connectors.contract_suite import ConnectorContract, ContractSubject

    @pytest.fixture(params=[...])
    async def contract(request, my_portal) -> AsyncIterator[ContractSubject]:
        async with MyConnector("mine", config, credentials) as connector:
            yield ContractSubject(connector=connector, portal=my_portal, ...)

    class TestMyConnectorContract(ConnectorContract):
        pass

The portal must be a real server on loopback with the `SimulatedPortal` knobs (portalgate's
`demo.portals.base.DemoPortal` has them; so does `connectors.recorded_portal.RecordedPortal`,
which replays a portal's answers saved by `portalgate check --live ... --record DIR`, for
a kind whose owner has no simulated portal). pytest is a test dependency: nothing in the
gateway imports this module. For pytest's detailed assertion messages, call
``pytest.register_assert_rewrite("connectors.contract_suite")`` in your conftest.py before
importing it.

What every kind must do (one test each): a batch comes back in key order with one portal
request per batch (or per key when not batched); an unknown key is a `RecordNotFound` in
its place; a hanging portal is cut off by the caller's ``asyncio.timeout`` without the
connector catching it; a 5xx is `ConnectorUnavailable` without the portal's body; a
malformed answer is `BadUpstreamData`; a wrong credential is `UpstreamRejected(401)` with
a fixed message; health is down while the portal refuses connections and up again after;
`aclose()` twice is harmless and a closed connector is unavailable; a capability it does
not serve is `CapabilityNotSupported` without a request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import pytest

from connectors.base import Connector
from connectors.capabilities import CAPABILITIES, Key
from connectors.errors import (
    BadUpstreamData,
    CapabilityNotSupported,
    ConnectorError,
    ConnectorUnavailable,
    ErrorCode,
    RecordNotFound,
    UpstreamRejected,
)
from connectors.principal import Principal
from connectors.records import Record

__all__ = ["ConnectorContract", "ContractSubject", "PortalKnobs", "SimulatedPortal"]


class PortalKnobs(Protocol):
    """Failure modes the suite switches on and off while the portal runs."""

    hang: bool  # never answer, until the client goes away
    fail_status: int | None  # answer every request with this status
    malformed: bool  # answer 200 with a truncated body of the usual content type


class SimulatedPortal(Protocol):
    """The server behind the connector under test, as the suite drives it."""

    @property
    def knobs(self) -> PortalKnobs: ...

    @property
    def requests(self) -> Mapping[str, int]:
        """Requests counted per route name since the test began."""
        ...

    @property
    def requests_total(self) -> int: ...

    async def refuse_connections(self) -> None: ...

    async def accept_connections(self) -> None: ...


@dataclass(frozen=True)
class ContractSubject:
    """One connector under test and everything the suite needs to check it.

    `keys` are at least two keys the portal knows, with distinct answers; `unknown_key` is
    one it cannot answer. `route` is the portal's request counter for the capability; a
    `batched` capability costs one request per batch, otherwise one per key. `describe`
    reduces a record to a comparable value and `expected` gives that value for a key.
    `with_wrong_credential` builds (does not start) the same connector with a credential
    the portal refuses.
    """

    connector: Connector
    portal: SimulatedPortal
    capability: str
    keys: Sequence[Key]
    unknown_key: Key
    route: str
    batched: bool
    describe: Callable[[Record], object]
    expected: Callable[[Key], object]
    with_wrong_credential: Callable[[], Connector]
    principal: Principal | None = None

    def expect(self, keys: Sequence[Key]) -> list[object]:
        return [self.expected(key) for key in keys]

    def described(self, results: Sequence[Record | ConnectorError]) -> list[object]:
        """Each record described; an error stays itself (and so matches no expectation)."""
        return [self.describe(r) if isinstance(r, Record) else r for r in results]


class ConnectorContract:
    """The contract tests; subclass as ``Test...`` and provide the `contract` fixture."""

    async def test_a_batch_comes_back_in_key_order(self, contract: ContractSubject) -> None:
        keys = list(contract.keys)
        expected = contract.expect(keys)
        assert len(set(expected)) == len(keys)  # distinct answers, or order proves nothing
        per_batch = 1 if contract.batched else len(keys)
        fetch = contract.connector.fetch

        results = await fetch(contract.capability, keys, contract.principal)
        assert contract.portal.requests[contract.route] == per_batch
        backwards = await fetch(contract.capability, keys[::-1], contract.principal)

        assert contract.described(results) == expected
        assert contract.described(backwards) == expected[::-1]
        assert contract.portal.requests[contract.route] == 2 * per_batch

    async def test_an_unknown_key_is_returned_as_not_found(self, contract: ContractSubject) -> None:
        first, second, *_ = contract.keys
        keys = [first, contract.unknown_key, second]

        results = await contract.connector.fetch(contract.capability, keys, contract.principal)

        assert len(results) == 3
        missing = results[1]
        assert isinstance(missing, RecordNotFound)
        assert missing.key == str(contract.unknown_key)
        assert missing.connector == contract.connector.name
        assert missing.code is ErrorCode.NOT_FOUND
        assert contract.described([results[0], results[2]]) == contract.expect([first, second])

    async def test_a_hanging_portal_is_cut_off_by_the_callers_timeout(
        self, contract: ContractSubject
    ) -> None:
        contract.portal.knobs.hang = True

        # The gateway wraps every call in asyncio.timeout and turns its TimeoutError into
        # ConnectorTimeout; the connector must let that cancellation through untouched.
        with pytest.raises(TimeoutError) as caught:
            async with asyncio.timeout(0.3):
                await contract.connector.fetch(
                    contract.capability, contract.keys, contract.principal
                )

        assert not isinstance(caught.value, ConnectorError)
        contract.portal.knobs.hang = False
        results = await contract.connector.fetch(
            contract.capability, contract.keys, contract.principal
        )
        assert contract.described(results) == contract.expect(contract.keys)

    async def test_a_server_error_is_unavailable(self, contract: ContractSubject) -> None:
        contract.portal.knobs.fail_status = 500

        with pytest.raises(ConnectorUnavailable) as caught:
            await contract.connector.fetch(contract.capability, contract.keys, contract.principal)

        assert caught.value.connector == contract.connector.name
        assert caught.value.code is ErrorCode.UPSTREAM_UNAVAILABLE
        assert "simulated failure" not in str(caught.value)  # the portal's body stays upstream

    async def test_a_malformed_answer_is_bad_upstream_data(self, contract: ContractSubject) -> None:
        contract.portal.knobs.malformed = True

        with pytest.raises(BadUpstreamData) as caught:
            await contract.connector.fetch(contract.capability, contract.keys, contract.principal)

        assert caught.value.connector == contract.connector.name
        assert caught.value.code is ErrorCode.UPSTREAM_BAD_RESPONSE

    async def test_a_wrong_credential_is_rejected_with_401(self, contract: ContractSubject) -> None:
        async with contract.with_wrong_credential() as conn:
            with pytest.raises(UpstreamRejected) as caught:
                await conn.fetch(contract.capability, contract.keys, contract.principal)

        assert caught.value.status == 401
        assert caught.value.code is ErrorCode.UPSTREAM_REJECTED
        # A fixed, public message: neither credential nor the portal's error body.
        assert str(caught.value) == f"{contract.connector.name} rejected the request (HTTP 401)"

    async def test_health_is_down_while_the_portal_refuses_connections(
        self, contract: ContractSubject
    ) -> None:
        assert (await contract.connector.health()).status == "up"

        await contract.portal.refuse_connections()
        down = await contract.connector.health()
        await contract.portal.accept_connections()
        again = await contract.connector.health()

        assert down.status == "down"
        assert down.reason
        assert again.status == "up"

    async def test_aclose_twice_is_harmless(self, contract: ContractSubject) -> None:
        await contract.connector.aclose()
        await contract.connector.aclose()

        health = await contract.connector.health()
        assert health.status == "down"

    async def test_a_closed_connector_is_unavailable(self, contract: ContractSubject) -> None:
        await contract.connector.aclose()

        with pytest.raises(ConnectorUnavailable) as caught:
            await contract.connector.fetch(contract.capability, contract.keys, contract.principal)
        assert caught.value.connector == contract.connector.name

    async def test_a_capability_it_does_not_serve_is_not_supported(
        self, contract: ContractSubject
    ) -> None:
        served = contract.connector.capabilities()
        other = next(
            c.name for c in CAPABILITIES.values() if c.kind == "read" and c.name not in served
        )

        with pytest.raises(CapabilityNotSupported) as caught:
            await contract.connector.fetch(other, contract.keys, contract.principal)

        assert caught.value.capability == other
        assert contract.portal.requests_total == 0
