"""The typed `info` every resolver receives."""

from __future__ import annotations

import strawberry

from gateway.context import RequestContext

Info = strawberry.Info[RequestContext, None]
