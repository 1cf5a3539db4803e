"""Tryton's JSON-RPC answers HTTP 200 with an error field: the client maps it to the engine's errors."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import responses

from connectors.exceptions import AuthError, PermanentError, RetryableError
from connectors.platforms.tryton.client import TrytonClient

BASE = "http://tryton.test/shop/"
RPC = BASE + "rpc/"


def login_and_preferences(mock: responses.RequestsMock) -> None:
    mock.post(RPC, json={"id": 1, "result": [1, "sess-token-xyz", None]})
    mock.post(RPC, json={"id": 2, "result": {"company": 1, "language": "en"}})


@pytest.fixture
def client():
    return TrytonClient(BASE, login="admin", password="pw-secret")


def test_user_error_with_http_200_is_permanent_and_keeps_tryton_words(client):
    with responses.RequestsMock() as mock:
        login_and_preferences(mock)
        mock.post(RPC, json={"id": 3, "error": ["UserError", ["Code of active product must be unique.", "", None]]})
        with pytest.raises(PermanentError) as err:
            client.call("product.template", "create", [{}], writes=True)
    assert "Code of active product must be unique." in err.value.message
    assert err.value.code == "tryton_usererror"


def test_concurrency_error_is_retryable(client):
    with responses.RequestsMock() as mock:
        login_and_preferences(mock)
        mock.post(
            RPC, json={"id": 3, "error": ["ConcurrencyException", ["Records were modified in the meanwhile", ""]]}
        )
        with pytest.raises(RetryableError):
            client.call("sale.sale", "write", [[1], {}], writes=True)


def test_every_model_call_carries_the_preferences_context_and_decimals(client):
    with responses.RequestsMock() as mock:
        login_and_preferences(mock)
        mock.post(RPC, json={"id": 3, "result": [{"id": 7, "total": {"__class__": "Decimal", "decimal": "57.30"}}]})
        rows = client.call("sale.sale", "read", [7], ["total"])
        sent = json.loads(mock.calls[-1].request.body)
        assert sent["method"] == "model.sale.sale.read"
        assert sent["params"][-1] == {"company": 1, "language": "en"}
        assert mock.calls[-1].request.headers["Authorization"].startswith("Session ")
    assert rows[0]["total"] == Decimal("57.30")


def test_an_expired_session_logs_in_again_once(client):
    with responses.RequestsMock() as mock:
        login_and_preferences(mock)
        mock.post(RPC, status=401)
        login_and_preferences(mock)
        mock.post(RPC, json={"id": 9, "result": [3]})
        assert client.call("party.party", "search", [], 0, None, None) == [3]


def test_wrong_password_is_an_auth_error_with_a_hint(client):
    with responses.RequestsMock() as mock:
        mock.post(RPC, status=401)
        with pytest.raises(AuthError) as err:
            client.connect()
    assert "credentials" in err.value.hint


@pytest.mark.parametrize("answer", [[], [0], [1, 2], ["7"], None, {"id": 7}, 7])
def test_a_create_answer_without_exactly_one_new_id_is_ambiguous(answer):
    from connectors.exceptions import AmbiguousError
    from connectors.platforms.tryton.base import created_id

    assert created_id([42], "sale") == 42
    with pytest.raises(AmbiguousError, match="not the id of one new record"):
        created_id(answer, "sale")


def test_m2_a_paid_tryton_invoice_is_read_as_paid_with_its_sale_and_quantities_per_item():
    import datetime as dt
    from decimal import Decimal

    from connectors.platforms.tryton.mapping import parse_invoice

    row = {"id": 7, "number": "INV/0007", "state": "paid", "write_date": dt.datetime(2026, 11, 25, 12, 0)}
    lines = [
        {"product.": {"code": "LUE-01"}, "quantity": 1.0},
        {"product.": {"code": "LUE-01"}, "quantity": 1.0},
        {"product.": None, "quantity": 1.0},  # a line without a product (a comment line)
    ]
    record = parse_invoice(row, lines, {"200001001": "SO/0042"})
    assert (record.number, record.paid, record.sales_order_no, record.order_reference) == (
        "INV/0007",
        True,
        "SO/0042",
        "200001001",
    )
    assert record.lines == (("LUE-01", Decimal("2.0")),)
    assert record.updated_at.tzinfo is dt.UTC
