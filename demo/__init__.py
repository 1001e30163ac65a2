"""Simulated legacy portals and a development identity provider (see README.md).

    demo.data             demo_customers(), demo_employees(), build_dataset()   deterministic
    demo.portals.crm      CrmPortal       JSON REST, X-Api-Key
    demo.portals.orders   OrdersPortal    JSON REST, static Bearer token and/or the issuer's JWTs
    demo.portals.billing  BillingPortal   JSON REST, HTTP Basic
    demo.portals.support  SupportPortal   SOAP-style XML, X-Support-Key and/or client JWTs
    demo.issuer           DevIssuer       OIDC provider (demo.idp): code flow + PKCE, SSO,
                                          refresh, client credentials, token exchange
    demo.stack            open_demo_stack()  all of the above on 127.0.0.1

Used by `portalgate demo` and by tests; the gateway never imports it at run time.
"""
