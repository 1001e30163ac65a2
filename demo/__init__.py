"""Simulated legacy portals and a development identity provider (see README.md).

    demo.data             demo_customers(), build_dataset()   deterministic, seeded
    demo.portals.crm      CrmPortal       JSON REST, X-Api-Key
    demo.portals.orders   OrdersPortal    JSON REST, Bearer token
    demo.portals.billing  BillingPortal   JSON REST, HTTP Basic
    demo.portals.support  SupportPortal   SOAP-style XML, X-Support-Key
    demo.issuer           DevIssuer       OIDC discovery, JWKS, password grant
    demo.stack            open_demo_stack()  all of the above on 127.0.0.1

Used by `portalgate demo` and by tests; the gateway never imports it at run time.
"""
