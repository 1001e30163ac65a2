"""Fixed word lists the demo data is drawn from: names, places, products, subjects.

Everything here is an immutable tuple; `demo.data` picks from it with a seeded RNG.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

FIRST_NAMES: tuple[str, ...] = (
    "Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Niklaus", "Margaret",
    "Ken", "Radia", "Tim", "Hedy", "John", "Karen", "Dennis", "Lynn", "Tony", "Sophie",
    "Linus", "Joan", "Bjarne", "Shafi", "Guido", "Anita", "Klaus", "Mary", "Leslie",
    "Ingrid", "Jonas",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Wirth",
    "Hamilton", "Thompson", "Perlman", "Lee", "Lamarr", "Backus", "Jones", "Ritchie",
    "Conway", "Hoare", "Wilson", "Torvalds", "Clarke", "Stroustrup", "Goldwasser", "Rossum",
    "Borg", "Samelson", "Keller", "Lamport", "Daubechies", "Weber",
)  # fmt: skip

STREETS: tuple[str, ...] = (
    "Hauptstrasse", "Bahnhofstrasse", "Lindenweg", "Gartenstrasse", "Schillerplatz",
    "Ringstrasse", "Kirchgasse", "Am Markt", "Rosenweg", "Bergstrasse", "Seeufer",
    "Mühlenweg",
)  # fmt: skip


class City(NamedTuple):
    name: str
    postcode: str
    country: str
    dialling: str  # country code and area code, e.g. "+49 30"


CITIES: tuple[City, ...] = (
    City("Berlin", "10115", "DE", "+49 30"),
    City("Hamburg", "20095", "DE", "+49 40"),
    City("München", "80331", "DE", "+49 89"),
    City("Köln", "50667", "DE", "+49 221"),
    City("Leipzig", "04109", "DE", "+49 341"),
    City("Wien", "1010", "AT", "+43 1"),
    City("Graz", "8010", "AT", "+43 316"),
    City("Zürich", "8001", "CH", "+41 44"),
    City("Basel", "4051", "CH", "+41 61"),
    City("Utrecht", "3511", "NL", "+31 30"),
)

LANGUAGES_BY_COUNTRY: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "DE": ("de", "de", "en"),
        "AT": ("de", "de", "en"),
        "CH": ("de", "fr", "en"),
        "NL": ("nl", "en"),
    }
)

MOBILE_PREFIX_BY_COUNTRY: Mapping[str, str] = MappingProxyType(
    {"DE": "+49 151", "AT": "+43 664", "CH": "+41 79", "NL": "+31 6"}
)

CONTACT_CHANNELS: tuple[str, ...] = ("email", "email", "phone", "post")

CONSUMER_MAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.org", "example.net")


class Organisation(NamedTuple):
    tenant: str
    mail_domain: str


ORGANISATIONS: tuple[Organisation, ...] = (
    Organisation("org-acme", "acme.example"),
    Organisation("org-globex", "globex.example"),
    Organisation("org-initech", "initech.example"),
    Organisation("org-umbrella", "umbrella.example"),
)


class Product(NamedTuple):
    sku: str
    title: str
    price: str  # decimal string in EUR


PRODUCTS: tuple[Product, ...] = (
    Product("SKU-1001", "Kettle", "29.95"),
    Product("SKU-1002", "Toaster", "39.90"),
    Product("SKU-1003", "Coffee grinder", "59.00"),
    Product("SKU-1004", "Tea towel, set of 3", "9.95"),
    Product("SKU-1005", "Chef's knife", "74.50"),
    Product("SKU-1006", "Cast iron pan", "49.99"),
    Product("SKU-1007", "Desk lamp", "34.90"),
    Product("SKU-1008", "Notebook, dotted", "6.50"),
    Product("SKU-1009", "Fountain pen", "24.00"),
    Product("SKU-1010", "Backpack", "89.00"),
    Product("SKU-1011", "Rain jacket", "129.90"),
    Product("SKU-1012", "Wool socks", "12.95"),
    Product("SKU-1013", "Bicycle light", "19.99"),
    Product("SKU-1014", "Water bottle", "14.90"),
    Product("SKU-1015", "Headphones", "149.00"),
    Product("SKU-1016", "USB-C cable", "8.99"),
    Product("SKU-1017", "Plant pot", "17.50"),
    Product("SKU-1018", "Board game", "39.00"),
    Product("SKU-1019", "Puzzle, 1000 pieces", "16.99"),
    Product("SKU-1020", "Yoga mat", "29.00"),
)

TICKET_SUBJECTS: tuple[str, ...] = (
    "Parcel not delivered",
    "Wrong item in my order",
    "Refund for returned item",
    "Cannot change my delivery address",
    "Invoice shows the wrong amount",
    "Question about my contract",
    "Password reset does not arrive",
    "Damaged packaging",
    "Request for a duplicate invoice",
    "Direct debit mandate",
    "Complaint about delivery driver",
    "Newsletter keeps arriving after unsubscribing",
)

CLAIM_TITLES: tuple[str, ...] = (
    "Water damage, kitchen",
    "Storm damage, roof",
    "Bicycle theft",
    "Broken windscreen",
    "Burst pipe, bathroom",
    "Stolen phone",
)

LOAN_TITLES: tuple[str, ...] = (
    "Car loan",
    "Home improvement loan",
    "Student loan",
    "Consolidation loan",
)


class StepTemplate(NamedTuple):
    name: str
    status: str  # the case status while this step is current
    requirement: tuple[str, str] | None  # (kind, description) when the customer must act


CASE_STEPS: Mapping[str, tuple[StepTemplate, ...]] = MappingProxyType(
    {
        "INSURANCE_CLAIM": (
            StepTemplate("Claim filed", "SUBMITTED", None),
            StepTemplate(
                "Documents", "IN_REVIEW", ("UPLOAD_PHOTOS", "Upload photos of the damage")
            ),
            StepTemplate("Assessment", "IN_REVIEW", None),
            StepTemplate("Declaration", "IN_REVIEW", ("SIGN_FORM", "Sign the claim declaration")),
            StepTemplate("Payout", "APPROVED", None),
        ),
        "LOAN_APPLICATION": (
            StepTemplate("Application received", "SUBMITTED", None),
            StepTemplate(
                "Income documents", "IN_REVIEW", ("UPLOAD_DOCUMENTS", "Upload your last 3 payslips")
            ),
            StepTemplate("Credit check", "IN_REVIEW", None),
            StepTemplate("Agreement", "APPROVED", ("SIGN_FORM", "Sign the credit agreement")),
            StepTemplate("Disbursement", "APPROVED", None),
        ),
    }
)
