"""The HTTP client base maps every failure to the error type the engine acts on."""

from __future__ import annotations

import logging

import pytest
import requests
import responses

from connectors.exceptions import AmbiguousError, AuthError, NotFoundError, PermanentError, RetryableError
from connectors.http import HttpClient, iter_pages, parse_retry_after

BASE = "https://erp.example.test/v1/"


@pytest.fixture
def client():
    return HttpClient(BASE, secrets=["s3cr3t-token"])


@responses.activate
def test_429_is_retryable_and_carries_retry_after(client):
    responses.get(BASE + "items", status=429, headers={"Retry-After": "17"}, body="slow down")
    with pytest.raises(RetryableError) as err:
        client.request("GET", "items")
    assert err.value.retry_after == 17
    assert err.value.http_status == 429


@responses.activate
def test_5xx_on_a_read_is_retryable(client):
    responses.get(BASE + "items", status=502)
    with pytest.raises(RetryableError):
        client.request("GET", "items")


@responses.activate
def test_500_after_a_post_is_ambiguous_because_the_document_may_exist(client):
    responses.post(BASE + "salesorder", status=500, body="boom")
    with pytest.raises(AmbiguousError):
        client.request("POST", "salesorder", json={})


@responses.activate
def test_503_after_a_post_is_retryable_because_nothing_was_processed(client):
    responses.post(BASE + "salesorder", status=503)
    with pytest.raises(RetryableError):
        client.request("POST", "salesorder", json={})


@responses.activate
def test_read_timeout_on_post_is_ambiguous_but_on_get_retryable(client):
    responses.post(BASE + "salesorder", body=requests.ReadTimeout("read timed out"))
    responses.get(BASE + "salesorder", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(AmbiguousError):
        client.request("POST", "salesorder", json={})
    with pytest.raises(RetryableError):
        client.request("GET", "salesorder")


@responses.activate
def test_connect_timeout_is_retryable_even_for_post(client):
    responses.post(BASE + "salesorder", body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(RetryableError):
        client.request("POST", "salesorder", json={})


@responses.activate
def test_refused_connection_before_sending_is_retryable_for_post(client):
    responses.post(BASE + "salesorder", body=requests.ConnectionError("NewConnectionError: Connection refused"))
    with pytest.raises(RetryableError):
        client.request("POST", "salesorder", json={})


@responses.activate
def test_connection_reset_after_sending_a_post_is_ambiguous(client):
    responses.post(BASE + "salesorder", body=requests.ConnectionError("Connection aborted. RemoteDisconnected"))
    with pytest.raises(AmbiguousError):
        client.request("POST", "salesorder", json={})


@responses.activate
@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthError), (403, AuthError), (404, NotFoundError), (400, PermanentError), (422, PermanentError)],
)
def test_4xx_is_permanent(client, status, error):
    responses.post(BASE + "customer", status=status, body='{"message": "Bad"}')
    with pytest.raises(error) as err:
        client.request("POST", "customer", json={})
    assert err.value.http_status == status


@responses.activate
def test_auth_error_hint_points_at_the_connection_credentials(client):
    responses.get(BASE + "items", status=401)
    with pytest.raises(AuthError) as err:
        client.request("GET", "items")
    assert "Test connection" in err.value.hint


@responses.activate
def test_secrets_never_reach_the_log_or_the_error(client, caplog):
    responses.get(BASE + "items", status=400, body="token s3cr3t-token is invalid")
    with caplog.at_level(logging.INFO, logger="connectors.http"), pytest.raises(PermanentError) as err:
        client.request("GET", "items", params={"key": "s3cr3t-token"})
    assert "s3cr3t-token" not in caplog.text
    assert "s3cr3t-token" not in err.value.message + err.value.response_excerpt
    assert "GET" in caplog.text and "-> 400" in caplog.text  # one line per call


def test_retry_after_accepts_seconds_and_http_dates():
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10
    assert parse_retry_after("soon") is None


def test_iter_pages_reads_until_the_last_page():
    pages = {1: ([1, 2], True), 2: ([3], True), 3: ([], False)}
    assert list(iter_pages(lambda n: pages[n])) == [1, 2, 3]


def test_iter_pages_stops_a_server_that_always_claims_more():
    with pytest.raises(PermanentError, match="Gave up after 5 pages"):
        list(iter_pages(lambda n: ([n], True), limit=5))


def test_rate_limiter_is_consulted_before_every_call():
    from connectors.base import RateLimiter

    class Counting(RateLimiter):
        n = 0

        def acquire(self) -> None:
            Counting.n += 1

    with responses.RequestsMock() as mock:
        mock.get(BASE + "a", json={})
        mock.get(BASE + "b", json={})
        client = HttpClient(BASE, limiter=Counting())
        client.request("GET", "a")
        client.request("GET", "b")
    assert Counting.n == 2 == client.calls
