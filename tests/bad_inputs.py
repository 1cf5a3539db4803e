"""The bad-input corpus: what arrives broken, and what a back-office person sees.

Each case sets up one bad input against the Magento and Visma.net emulators
(a shop payload, an ERP answer, a token answer, credentials), runs the engine
as the workers would, and asserts the visible outcome: an import problem, a
transfer's state with its message and hint, or the connection's credentials
state. Every case also places good orders around the bad one and asserts they
still reach the ERP, and that no run is left 'running'.

``docs/bad-inputs.md`` is generated from this list (``python -m tests.bad_inputs``)
and a test checks that it matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SHOP, ERP, TOKEN, CREDS = "shop payload", "ERP answer", "token answer", "credentials"


@dataclass(frozen=True)
class Case:
    id: str
    area: str
    input: str
    outcome: str  # what a person sees, and where
    run: Callable[[Any], None]


CASES: list[Case] = []


def case(id: str, area: str, input: str, outcome: str) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    def wrap(run: Callable[[Any], None]) -> Callable[[Any], None]:
        CASES.append(Case(id, area, input, outcome, run))
        return run

    return wrap


# --- shop payloads: each is set aside as an import problem; the others are imported ------------

LONG = "Å" * 5000


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def mutate(order: dict) -> None:
        *parents, last = path.split(".")
        target: Any = order
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return mutate


_DELETE = object()

SHOP_CASES = [
    ("shop-no-entity-id", "order without entity_id", _set("entity_id", _DELETE), "entity_id is missing"),
    ("shop-items-null", "items: null", _set("items", None), "items is not a list"),
    ("shop-items-object", "items is an object, not a list", _set("items", {"a": 1}), "items is not a list"),
    ("shop-item-not-object", "an item that is a string", _set("items", ["LUE-01"]), "items[] is not an object"),
    ("shop-qty-text", 'quantity "abc"', _set("items.0.qty_ordered", "abc"), "qty_ordered is not a number: 'abc'"),
    ("shop-qty-zero", "quantity 0", _set("items.0.qty_ordered", 0), "quantity must be more than zero"),
    ("shop-qty-negative", "quantity -2", _set("items.0.qty_ordered", -2), "quantity must be more than zero"),
    ("shop-price-huge", "price 10^12", _set("items.0.price", 10**12), "price is out of range"),
    ("shop-price-nan", 'price "NaN"', _set("items.0.price", "NaN"), "price is not a number"),
    ("shop-price-infinity", 'price "Infinity"', _set("items.0.price", "Infinity"), "price is not a number"),
    ("shop-price-comma", 'price "12,50"', _set("items.0.price", "12,50"), "price is not a number"),
    ("shop-tax-text", 'tax_percent "abc"', _set("items.0.tax_percent", "abc"), "tax_percent is not a number"),
    ("shop-tax-150", "VAT rate 150 %", _set("items.0.tax_percent", 150), "VAT rate is out of range"),
    ("shop-name-5000", "a 5,000-character product name", _set("items.0.name", LONG), "name is 5000 characters"),
    ("shop-sku-500", "a 500-character SKU", _set("items.0.sku", "S" * 500), "sku is 500 characters"),
    ("shop-sku-nul", "a NUL byte in a SKU", _set("items.0.sku", "LUE\x0001"), "sku contains a NUL character"),
    (
        "shop-customer-name-5000",
        "a 5,000-character customer name",
        _set("customer_firstname", LONG),
        "first_name is 5000 characters",
    ),
    ("shop-note-nul", "a NUL byte in the order comment", _set("customer_note", "Ring\x00"), "contains a NUL"),
    ("shop-email-300", "a 300-character e-mail", _set("customer_email", "a" * 290 + "@example.no"), "email is 301"),
    ("shop-currency-euro", 'currency "EURO"', _set("order_currency_code", "EURO"), "'EURO' is not an ISO 4217"),
    ("shop-currency-xyz", 'currency "XYZ"', _set("order_currency_code", "XYZ"), "'XYZ' is not an ISO 4217"),
    ("shop-currency-missing", "no currency", _set("order_currency_code", None), "order_currency_code is missing"),
    ("shop-created-yesterday", 'created_at "yesterday"', _set("created_at", "yesterday"), "created_at is not a date"),
    (
        "shop-created-invalid",
        'created_at "2026-13-45 99:00:00"',
        _set("created_at", "2026-13-45 99:00:00"),
        "created_at is not a date",
    ),
    (
        "shop-created-1970",
        "created_at in 1970",
        _set("created_at", "1970-01-01 00:00:00"),
        "placed_at is not a plausible date",
    ),
    ("shop-no-number", "order without increment_id", _set("increment_id", _DELETE), "increment_id is missing"),
    ("shop-number-object", "increment_id is an object", _set("increment_id", {"x": 1}), "increment_id is not text"),
    ("shop-billing-text", "billing_address is a string", _set("billing_address", "Oslo"), "billing_address is not"),
    ("shop-country-3", 'country "NORWAY"', _set("billing_address.country_id", "NORWAY"), "country is 6 characters"),
    (
        "shop-shipping-assignments",
        "shipping_assignments is not a list",
        _set("extension_attributes.shipping_assignments", "x"),
        "shipping_assignments is not a list",
    ),
    ("shop-discount-text", 'discount_amount "abc"', _set("discount_amount", "abc"), "discount_amount is not a number"),
    ("shop-total-text", 'grand_total "lots"', _set("grand_total", "lots"), "grand_total is not a number"),
    ("shop-customer-id-text", 'customer_id "abc"', _set("customer_id", "abc"), "customer_id is not a number"),
]


def _shop_case(id: str, what: str, mutate: Callable[[dict], None], error: str) -> None:
    def run(env: Any) -> None:
        env.check_shop_payload(mutate, error)

    case(id, SHOP, what, f"Import problem “…{error}…”; the order is not imported, the others are.")(run)


for _args in SHOP_CASES:
    _shop_case(*_args)


@case(
    "shop-number-reused",
    SHOP,
    "two shop orders with the same increment_id",
    "Import problem “…already used by another order…”; the first order is kept and sent.",
)
def _number_reused(env: Any) -> None:
    env.check_number_reused()


@case(
    "shop-no-lines",
    SHOP,
    "an order with an empty items list",
    "Imported; its transfer needs attention: “… has no lines.” with a hint to check it in the shop.",
)
def _no_lines(env: Any) -> None:
    env.check_no_lines()


@case(
    "shop-wrong-token",
    CREDS,
    "wrong Magento integration token",
    "The shop connection shows “Needs credentials” with the shop's refusal and a hint; the pull run fails with it; "
    "once corrected and tested, the next pull imports everything.",
)
def _shop_token(env: Any) -> None:
    env.check_shop_token()


@case(
    "shop-page-html",
    SHOP,
    "the order list answers 200 with an HTML maintenance page",
    "The pull run fails with “…is not JSON: Down for maintenance”; the cursor stays; the next pull imports all.",
)
def _shop_html(env: Any) -> None:
    env.check_shop_html_page()


# --- ERP answers to a create --------------------------------------------------------------------

ERP_AMBIGUOUS = [
    ("erp-201-no-location", "201 Created without a Location header", 201, None, {}, False),
    (
        "erp-201-location-collection",
        "201 with an invalid body and Location …/salesorder/",
        201,
        "not json",
        {"Location": "{base}salesorder/"},
        True,
    ),
    (
        "erp-200-error-inside",
        "200 with an error inside and Location …/salesorder/999999",
        200,
        {"message": "Error: the order could not be saved"},
        {"Location": "{base}salesorder/999999"},
        False,
    ),
    ("erp-202-background", "202 Accepted (background processing)", 202, {"id": "bg-1"}, {}, True),
    (
        "erp-201-wrong-resource",
        "201 with Location naming a customer",
        201,
        None,
        {"Location": "{base}customer/10001"},
        False,
    ),
    ("erp-302-login", "302 redirect to a login page", 302, None, {"Location": "https://login.example/"}, False),
    ("erp-500-html-stored", "500 with an HTML page after storing", 500, "<html><h1>Oops</h1></html>", {}, True),
    ("erp-504-stored", "504 gateway timeout after storing", 504, None, {}, True),
]


def _erp_ambiguous(id: str, what: str, status: int, body: Any, headers: dict, stored: bool) -> None:
    def run(env: Any) -> None:
        env.check_erp_ambiguous(status, body, headers, stored=stored)

    outcome = "Outcome unknown (“?”) with Visma's answer in the message; the next attempt looks the order up and " + (
        "finds it: exactly one sales order." if stored else "finds none, then creates it: exactly one sales order."
    )
    case(id, ERP, what, outcome)(run)


for _args in ERP_AMBIGUOUS:
    _erp_ambiguous(*_args)


ERP_REFUSALS = [
    (
        "erp-400-html",
        "400 with an HTML page from a proxy",
        400,
        "<html><body><h1>Bad Request</h1><p>Header too large</p></body></html>",
        "Bad Request Header too large",
        "",
    ),
    (
        "erp-400-unknown-message",
        "400 with a Visma message no rule knows",
        400,
        {"message": "VismaId: 1. Error creating salesOrder. Branch 'X' is locked."},
        "Branch 'X' is locked.",
        "",
    ),
    (
        "erp-400-plain-text",
        "400 with a plain-text body",
        400,
        "Request rejected",
        "Request rejected",
        "",
    ),
    ("erp-404-route", "404 on POST salesorder (wrong base URL)", 404, {"message": "No route"}, "No route", "base URL"),
    (
        "erp-422-json-array",
        "422 with a JSON array body",
        422,
        [{"error": "x"}],
        '[{"error": "x"}]',
        "",
    ),
]


def _erp_refusal(id: str, what: str, status: int, body: Any, error: str, hint: str) -> None:
    def run(env: Any) -> None:
        env.check_erp_refusal(status, body, error, hint)

    case(id, ERP, what, f"Red cross: needs attention with “…{error}…” as a sync error; nothing created.")(run)


for _args in ERP_REFUSALS:
    _erp_refusal(*_args)


@case(
    "erp-503-retry-after",
    ERP,
    "503 with Retry-After: 120",
    "Waiting to retry, not before 120 s; then sent once.",
)
def _erp_503(env: Any) -> None:
    env.check_erp_retry(503, {"Retry-After": "120"}, min_wait=115)


@case("erp-429-no-header", ERP, "429 without Retry-After", "Waiting to retry (backoff); then sent once.")
def _erp_429(env: Any) -> None:
    env.check_erp_retry(429, {}, min_wait=10)


@case(
    "erp-429-http-date",
    ERP,
    "429 with Retry-After as an HTTP date 5 minutes ahead",
    "Waiting to retry until that time; then sent once.",
)
def _erp_429_date(env: Any) -> None:
    env.check_erp_retry(429, {"Retry-After": "date+300"}, min_wait=280)


@case(
    "erp-lookup-html",
    ERP,
    "the lookup after an unknown outcome answers 200 with an HTML page",
    "Waiting to retry with “…not JSON…”; nothing created until a lookup finishes: exactly one sales order.",
)
def _lookup_html(env: Any) -> None:
    env.check_lookup_fault(200, "<html>Maintenance</html>", "not JSON")


@case(
    "erp-lookup-object",
    ERP,
    "the lookup answers 200 with a JSON object instead of a list",
    "Waiting to retry with “…not a list of records…”; exactly one sales order in the end.",
)
def _lookup_object(env: Any) -> None:
    env.check_lookup_fault(200, {"orders": []}, "not a list of records")


@case(
    "erp-lookup-503",
    ERP,
    "the lookup answers 503",
    "Waiting to retry; the next attempt looks again before any create: exactly one sales order.",
)
def _lookup_503(env: Any) -> None:
    env.check_lookup_fault(503, {"message": "Service Unavailable"}, "Service Unavailable")


@case(
    "erp-customer-201-no-location",
    ERP,
    "creating a new customer answers 201 without Location",
    "The order waits (“…could not be sent to … yet…”); the customer is looked up by e-mail: one customer, one order.",
)
def _customer_no_location(env: Any) -> None:
    env.check_customer_create_ambiguous()


# --- token answers -----------------------------------------------------------------------------

TOKEN_TEMPORARY = [
    ("token-html", "token endpoint answers 200 with an HTML page", 200, "<html>Sign in</html>", "without an access"),
    ("token-no-access-token", "200 without access_token", 200, {"token_type": "Bearer"}, "without an access token"),
    ("token-number", "access_token is a number", 200, {"access_token": 12345}, "without an access token"),
    ("token-empty", "200 with an empty body", 200, "", "without an access token"),
    ("token-500", "token endpoint answers 500", 500, {"error": "server_error"}, "Server error 500"),
]


def _token_temporary(id: str, what: str, status: int, body: Any, error: str) -> None:
    def run(env: Any) -> None:
        env.check_token_temporary(status, body, error)

    case(id, TOKEN, what, f"Waiting to retry with “…{error}…” and a hint on the token URL; then sent once.")(run)


for _args in TOKEN_TEMPORARY:
    _token_temporary(*_args)


@case(
    "token-expires-nonsense",
    TOKEN,
    'expires_in "soon"',
    "The token is used (an hour assumed); the order is sent.",
)
def _token_expires(env: Any) -> None:
    env.check_token_expires_nonsense()


# --- credentials -------------------------------------------------------------------------------

CREDENTIAL_CASES = [
    ("creds-wrong-client-id", "wrong Visma client id", {"client_id": "nobody"}, "invalid_client"),
    ("creds-wrong-secret", "wrong Visma client secret", {"client_secret": "wrong-secret-123"}, "invalid_client"),
    ("creds-wrong-tenant", "wrong Visma tenant id", {"tenant_id": "other-tenant"}, "Unknown tenant_id"),
    ("creds-empty", "no credentials at all", None, "invalid_client"),
]


def _credentials(id: str, what: str, change: dict | None, error: str) -> None:
    def run(env: Any) -> None:
        env.check_credentials(change, error)

    case(
        id,
        CREDS,
        what,
        f"The ERP connection shows “Needs credentials” (“…{error}…”, with a hint); orders wait without using "
        "tries; once corrected and tested they are sent by themselves.",
    )(run)


for _args in CREDENTIAL_CASES:
    _credentials(*_args)


@case(
    "creds-403-scope",
    CREDS,
    "the API answers 403 to the sales-order call (scope missing)",
    "The ERP connection shows “Needs credentials”; orders wait; once tested OK they are sent.",
)
def _forbidden(env: Any) -> None:
    env.check_forbidden()


def table() -> str:
    """The markdown table of ``docs/bad-inputs.md``."""
    rows = ["| id | area | input | what a back-office person sees |", "| --- | --- | --- | --- |"]
    for c in CASES:
        cells = [c.id, c.area, c.input, c.outcome]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


HEADER = """# Bad inputs and what people see

Every broken input the portal is tested against, and the outcome a back-office person sees. Each row is a
case of the test corpus (`tests/bad_inputs.py`); a test fails when this table and the corpus differ
(regenerate with `.venv/bin/python -m tests.bad_inputs > docs/bad-inputs.md`). In every case, good orders
placed around the bad one still reach the ERP, and no sync run is left running.

Where to look: **import problems** are listed under *Connectors › Import problems* (and counted on the
connection); a **transfer's** state is the icon in the order list, its message and hint open from the
*errors* / *sync errors* columns; a connection's **credentials** state is shown on the connection.

"""


if __name__ == "__main__":
    print(HEADER + table(), end="")
