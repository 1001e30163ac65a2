"""The development OpenID Connect provider, in parts.

issuer.py          DevIssuer: the server, its state, its routes, tokens minted for tests
sign_in.py         GET /authorize, POST /login, /logout: the browser's routes
discovery.py       the discovery document
authorization.py   the authorization request and PKCE checks
token_endpoint.py  POST /token: code, refresh, client credentials, token exchange, password
mint.py            claims and signatures of access and id tokens
grants.py          browser sessions, codes and refresh token families (in memory)
clients.py         the registered client, client authentication, allowed redirects
client_assertion.py private_key_jwt: registered public keys, single-use assertions
people.py          demo customers and employees who can sign on
keys.py            RS256 and ES256 keys, rotation and the JWKS
backchannel.py     back-channel logout tokens posted to the client at end_session
pages.py           the login and error pages
"""

from demo.idp.issuer import DevIssuer
from demo.idp.people import DEMO_PASSWORD

__all__ = ["DEMO_PASSWORD", "DevIssuer"]
