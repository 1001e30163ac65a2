"""A loyalty programme: points, tier, rewards and badges per member, over JSON REST.

    GET /loyalty/members/{memberNo}          member   {"memberNo": 4711, "balance": {"points"},
                                                       "status", "rewards": [{"title",
                                                       "validUntil"}]}
    GET /loyalty/members/{memberNo}/badges   badges   {"badges": [{"code", "earnedAt"}]}

Member numbers are integers, as identity providers often hand them out (a token carries
`links.loyalty: 4711`, not "4711"). Every /loyalty route needs `X-Api-Key`; an unknown
member is a 404. Not part of `portalgate demo`: it shows data that portalgate has no
built-in place for, added by configuration (`data:` in the registry) or by an installed
extension, and the tests start it on their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aiohttp import web

from demo.portals.base import same_secret
from demo.server import DemoServer

__all__ = ["Badge", "LoyaltyMember", "LoyaltyPortal", "Reward"]


@dataclass(frozen=True, slots=True)
class Reward:
    title: str
    valid_until: str  # ISO date


@dataclass(frozen=True, slots=True)
class Badge:
    code: str
    earned_at: str  # ISO instant


@dataclass(frozen=True, slots=True)
class LoyaltyMember:
    member_no: int
    points: int
    status: str | None = None
    rewards: tuple[Reward, ...] = ()
    badges: tuple[Badge, ...] = ()


class LoyaltyPortal(DemoServer):
    """Simulated loyalty system (read-only); `members` by member number."""

    def __init__(self, members: Iterable[LoyaltyMember], *, api_key: str) -> None:
        super().__init__()
        self.members: Mapping[int, LoyaltyMember] = {m.member_no: m for m in members}
        self._api_key = api_key

    def _routes(self) -> Iterable[web.RouteDef]:
        return [
            web.get("/health", self._health, name="health"),
            web.get("/loyalty/members/{memberNo}", self._member, name="member"),
            web.get("/loyalty/members/{memberNo}/badges", self._badges, name="badges"),
        ]

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    def _find(self, request: web.Request) -> LoyaltyMember | web.Response:
        if not same_secret(request.headers.get("X-Api-Key"), self._api_key):
            return web.json_response({"error": "unauthorized"}, status=401)
        raw = request.match_info["memberNo"]
        member = self.members.get(int(raw)) if raw.isdigit() else None
        if member is None:
            return web.json_response({"error": "no such member"}, status=404)
        return member

    async def _member(self, request: web.Request) -> web.Response:
        member = self._find(request)
        if isinstance(member, web.Response):
            return member
        body: dict[str, object] = {
            "memberNo": member.member_no,
            "balance": {"points": member.points},
            "rewards": [{"title": r.title, "validUntil": r.valid_until} for r in member.rewards],
        }
        if member.status is not None:  # a member without a tier has no `status` at all
            body["status"] = member.status
        return web.json_response(body)

    async def _badges(self, request: web.Request) -> web.Response:
        member = self._find(request)
        if isinstance(member, web.Response):
            return member
        badges = [{"code": b.code, "earnedAt": b.earned_at} for b in member.badges]
        return web.json_response({"badges": badges})
