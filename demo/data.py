"""Deterministic demo customers and what the four portals know about them.

    demo_customers(count, seed)      ─▶ [DemoCustomer]  identity + the customer's id in each portal
    demo_employees()                 ─▶ [DemoEmployee]  staff who sign on (no portal accounts)
    build_dataset(customers, today)  ─▶ DemoDataset     profiles, orders, invoices, tickets, cases

Each portal keys its data by its own id (CRM id, shop number, billing account, support
party), so nothing lines up unless the identity links are used. Every date is derived from
`today`, so something is always open, overdue or waiting. The dataset is immutable:
portals that accept writes copy what they may change into their own instance.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from demo import catalogue
from demo.activity import (
    Case,
    CaseStep,
    Invoice,
    Order,
    OrderLine,
    Requirement,
    StatusEvent,
    Ticket,
    generate_activity,
)

__all__ = [
    "Case",
    "CaseStep",
    "DemoCustomer",
    "DemoDataset",
    "DemoEmployee",
    "Email",
    "Invoice",
    "Order",
    "OrderLine",
    "Phone",
    "PostalAddress",
    "Preferences",
    "Profile",
    "Requirement",
    "StatusEvent",
    "Ticket",
    "build_dataset",
    "demo_customers",
    "demo_employees",
]

# Customers whose 1-based position modulo 15 is in this set belong to an organisation:
# 16 of 60. The rule does not depend on the seed, so cust-002 is always an org admin.
_B2B_POSITIONS = frozenset({2, 3, 6, 11})


@dataclass(frozen=True)
class DemoCustomer:
    """One demo customer: the sign-on subject and the customer's id in each portal."""

    subject: str
    first_name: str
    last_name: str
    email: str
    crm_id: str
    shop_no: str
    billing_account: str
    support_party: str
    tenant: str | None = None
    org_role: str | None = None


@dataclass(frozen=True)
class DemoEmployee:
    """A member of staff: signs on like a customer but has no portal accounts.

    `roles` decide what the employee may do, e.g. "customer_service" may act for a
    customer (token exchange with `requested_subject`).
    """

    subject: str
    name: str
    email: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Email:
    address: str
    primary: bool


@dataclass(frozen=True)
class Phone:
    number: str
    kind: str  # mobile | home | work


@dataclass(frozen=True)
class PostalAddress:
    kind: str  # home | billing | work
    street: str
    city: str
    postcode: str
    country: str


@dataclass(frozen=True)
class Preferences:
    language: str
    newsletter: bool
    contact_channel: str  # email | phone | post


@dataclass(frozen=True)
class Profile:
    """CRM master data for one customer."""

    first_name: str
    last_name: str
    emails: tuple[Email, ...]
    phones: tuple[Phone, ...]
    addresses: tuple[PostalAddress, ...]
    preferences: Preferences


@dataclass(frozen=True)
class DemoDataset:
    """Everything the portals serve, keyed the way each portal keys it.

    `profiles` by CRM id; `orders` by shop number, newest first; `invoices` by billing
    account, newest first; `tickets` and `cases` by support party, newest first.
    """

    today: date
    customers: tuple[DemoCustomer, ...]
    profiles: Mapping[str, Profile]
    orders: Mapping[str, tuple[Order, ...]]
    invoices: Mapping[str, tuple[Invoice, ...]]
    tickets: Mapping[str, tuple[Ticket, ...]]
    cases: Mapping[str, tuple[Case, ...]]

    def customer(self, subject: str) -> DemoCustomer:
        """The customer with this sign-on subject; raises KeyError if there is none."""
        for customer in self.customers:
            if customer.subject == subject:
                return customer
        raise KeyError(subject)


def demo_customers(count: int = 60, seed: int = 7) -> list[DemoCustomer]:
    """`count` customers, the same ones for the same seed.

    Subjects run cust-001, cust-002, ... and CRM ids C-10001, C-10002, ... in the same
    order; shop numbers, billing accounts and support parties are drawn at random so
    they are unrelated to that order. Raises ValueError unless 1 <= count <= 999.
    """
    if not 1 <= count <= 999:
        raise ValueError(f"count must be between 1 and 999, got {count}")
    rng = random.Random(seed)
    shop_nos = rng.sample(range(700_000, 800_000), count)
    accounts = rng.sample(range(100_000, 1_000_000), count)
    parties = rng.sample(range(10_000, 100_000), count)
    memberships = _organisation_memberships(count)
    used_emails: set[str] = set()
    customers: list[DemoCustomer] = []
    for index in range(count):
        first = rng.choice(catalogue.FIRST_NAMES)
        last = rng.choice(catalogue.LAST_NAMES)
        membership = memberships.get(index)
        if membership is None:
            domain = rng.choice(catalogue.CONSUMER_MAIL_DOMAINS)
            tenant, role = None, None
        else:
            organisation, role = membership
            domain, tenant = organisation.mail_domain, organisation.tenant
        email = _unique_email(f"{first}.{last}".lower(), domain, used_emails)
        customers.append(
            DemoCustomer(
                subject=f"cust-{index + 1:03d}",
                first_name=first,
                last_name=last,
                email=email,
                crm_id=f"C-{10_001 + index}",
                shop_no=str(shop_nos[index]),
                billing_account=f"ACC-{accounts[index]:06d}",
                support_party=f"P-{parties[index]:05d}",
                tenant=tenant,
                org_role=role,
            )
        )
    return customers


def demo_employees() -> list[DemoEmployee]:
    """The fixed demo staff: emp-001 works in customer service, emp-002 in marketing."""
    return [
        DemoEmployee(
            "emp-001", "Clara Oswald", "clara.oswald@staff.example.com", ("customer_service",)
        ),
        DemoEmployee("emp-002", "Martin Becker", "martin.becker@staff.example.com", ("marketing",)),
    ]


def build_dataset(customers: Sequence[DemoCustomer], today: date, *, seed: int = 7) -> DemoDataset:
    """Profiles and activity for `customers`, with every date relative to `today`.

    Each customer's data comes from an RNG seeded with `seed` and the subject, so it does
    not change when the customer list grows. The first ten customers are guaranteed an
    OPEN and an OVERDUE invoice, a ticket WAITING_ON_CUSTOMER and a case with a
    requirement; the first two have more than 20 orders and the tenth has none.
    """
    profiles: dict[str, Profile] = {}
    rngs: list[random.Random] = []
    for customer in customers:
        rng = random.Random(f"{seed}:{customer.subject}")
        rngs.append(rng)
        profiles[customer.crm_id] = _profile(rng, customer)
    activity = generate_activity(customers, rngs, today)
    return DemoDataset(
        today=today,
        customers=tuple(customers),
        profiles=MappingProxyType(profiles),
        orders=activity.orders,
        invoices=activity.invoices,
        tickets=activity.tickets,
        cases=activity.cases,
    )


def _organisation_memberships(count: int) -> dict[int, tuple[catalogue.Organisation, str]]:
    members = [i for i in range(count) if (i + 1) % 15 in _B2B_POSITIONS]
    memberships: dict[int, tuple[catalogue.Organisation, str]] = {}
    organisations = catalogue.ORGANISATIONS
    for n, index in enumerate(members):
        organisation = organisations[n % len(organisations)]
        role = "admin" if n < len(organisations) else "member"
        memberships[index] = (organisation, role)
    return memberships


def _unique_email(local: str, domain: str, used: set[str]) -> str:
    candidate, n = f"{local}@{domain}", 1
    while candidate in used:
        n += 1
        candidate = f"{local}{n}@{domain}"
    used.add(candidate)
    return candidate


def _profile(rng: random.Random, customer: DemoCustomer) -> Profile:
    home_city = rng.choice(catalogue.CITIES)
    emails = [Email(customer.email, primary=True)]
    if rng.random() < 0.3:
        alt_domain = rng.choice(catalogue.CONSUMER_MAIL_DOMAINS)
        local = f"{customer.first_name[0]}{customer.last_name}{rng.randint(1, 99)}".lower()
        emails.append(Email(f"{local}@{alt_domain}", primary=False))
    phones = [Phone(_phone_number(rng, home_city, mobile=True), "mobile")]
    if rng.random() < 0.4:
        kind = "work" if customer.tenant else "home"
        phones.append(Phone(_phone_number(rng, home_city, mobile=False), kind))
    addresses = [_address(rng, "home", home_city)]
    if customer.tenant is not None:
        addresses.append(_address(rng, "work", rng.choice(catalogue.CITIES)))
    elif rng.random() < 0.3:
        addresses.append(_address(rng, "billing", rng.choice(catalogue.CITIES)))
    preferences = Preferences(
        language=rng.choice(catalogue.LANGUAGES_BY_COUNTRY[home_city.country]),
        newsletter=rng.random() < 0.4,
        contact_channel=rng.choice(catalogue.CONTACT_CHANNELS),
    )
    return Profile(
        first_name=customer.first_name,
        last_name=customer.last_name,
        emails=tuple(emails),
        phones=tuple(phones),
        addresses=tuple(addresses),
        preferences=preferences,
    )


def _phone_number(rng: random.Random, city: catalogue.City, *, mobile: bool) -> str:
    prefix = catalogue.MOBILE_PREFIX_BY_COUNTRY[city.country] if mobile else city.dialling
    return f"{prefix} {rng.randint(1_000_000, 9_999_999)}"


def _address(rng: random.Random, kind: str, city: catalogue.City) -> PostalAddress:
    street = f"{rng.choice(catalogue.STREETS)} {rng.randint(1, 120)}"
    return PostalAddress(kind, street, city.name, city.postcode, city.country)
