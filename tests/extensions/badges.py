"""An extension package as a company would write it, outside portalgate: loyalty badges.

It brings its own record and capability, a strawberry type and a resolver with an
argument, and is attached as `viewer.badges`. A real package registers `EXTENSION` in its
own pyproject.toml:

    [project.entry-points."portalgate.extensions"]
    badges = "acme_badges:EXTENSION"
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from connectors.records import Capability, Record
from resolvers._types import Info
from resolvers.viewer import viewer_record
from schema.viewer_extensions import ViewerExtension


class BadgeRecord(Record):
    code: str
    earned_at: datetime


class BadgesRecord(Record):
    badges: tuple[BadgeRecord, ...]


BADGES = Capability("badges", BadgesRecord, description="the customer's loyalty badges")


@strawberry.type(description="A badge the customer earned.")
class Badge:
    code: str
    earned_at: datetime


async def resolve_badges(info: Info, newest: int = 10) -> list[Badge] | None:
    record = await viewer_record(info, BADGES.name, BadgesRecord)
    if record is None:
        return []
    badges = sorted(record.badges, key=lambda b: b.earned_at, reverse=True)[:newest]
    return [Badge(code=b.code, earned_at=b.earned_at) for b in badges]


EXTENSION = ViewerExtension(
    name="badges",
    capabilities=(BADGES,),
    resolver=resolve_badges,
    graphql_type=list[Badge] | None,
    description="Badges earned in the loyalty programme, newest first.",
)

NOT_AN_EXTENSION = object()
