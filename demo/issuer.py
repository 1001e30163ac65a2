"""The development OpenID Connect provider (kept here for existing imports; see demo.idp).

from demo.issuer import DevIssuer
"""

from demo.idp import DEMO_PASSWORD, DevIssuer

__all__ = ["DEMO_PASSWORD", "DevIssuer"]
