"""Typed errors of the connector layer.

Every error carries a ``message`` (the remote system's words, verbatim when
it gave any) and a ``hint`` a back-office person can act on. The engine
decides what to do by type alone:

- RetryableError: nothing happened remotely; try again later.
- AmbiguousError: the request was sent and may have taken effect; look the
  document up before trying again, never create blindly.
- PermanentError: the remote system refused; a person must fix something.
- MappingError: found before any call; a setting or mapping is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


class ConnectorError(Exception):
    """Base of all connector errors."""

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        http_status: int | None = None,
        response_excerpt: str = "",
        code: str = "",
        subject: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.http_status = http_status
        self.response_excerpt = response_excerpt
        # What went wrong, platform-neutral ("item_not_found", "customer_not_found" ...)
        # and about which thing: the engine turns these into hints (V5).
        self.code = code
        self.subject = subject

    def __str__(self) -> str:
        return self.message


class RetryableError(ConnectorError):
    """Temporary failure: timeout on connect, 429, 5xx, an unexpected answer.

    ``reached_remote`` is False only when the remote system surely did not act
    on the request: it was never sent (connection refused, our own rate limit)
    or it was refused unprocessed (429). Everything else counts as "may have
    reached", so a create that failed this way is looked up before the next one.
    """

    def __init__(
        self, message: str, *, retry_after: float | None = None, reached_remote: bool = True, **kwargs
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        self.reached_remote = reached_remote


class AmbiguousError(ConnectorError):
    """Sent, but no answer came back: the document may exist remotely."""


class PermanentError(ConnectorError):
    """The remote system refused the request (4xx); retrying as is will not help.

    ``refused``: the remote side read the request and made nothing, though its HTTP status does
    not say so (an API that answers a refusal with 200 and a result code, like Specter's).
    """

    def __init__(self, message: str, *, refused: bool = False, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.refused = refused


class DuplicateDocument(PermanentError):
    """The remote system refused a create because the document exists already (its own duplicate
    control on the key the request carries, e.g. Specter's external order number): an earlier
    attempt made it. ``existing`` is its remote id when the refusal names it."""

    def __init__(self, message: str, *, existing: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.existing = existing


class AuthError(PermanentError):
    """Credentials were refused: a state of the whole connection, not of one document.

    ``connection_id`` is filled in by the engine when it knows which
    connection's credentials were refused (see ``connectors.services``).
    """

    connection_id: int | None = None


class NotFoundError(PermanentError):
    """The remote object does not exist."""


@dataclass(frozen=True)
class Problem:
    """One thing to fix before an order can be sent."""

    message: str
    hint: str
    # Which ERP code is missing ("payment", "shipping", "vat", "shipping_item", "discount_item"), if
    # that is the problem: an ERP that needs no such code (``ErpConnector.code_maps``) ignores it.
    about_codes: str = ""


@dataclass
class MappingError(Exception):
    """Validation before any remote call found missing mappings or data (V5, C5)."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(p.message for p in self.problems)

    @property
    def hint(self) -> str:
        return " ".join(p.hint for p in self.problems)


def batch_item_error(*, subject: str, sku: str, status: int, error: str) -> ConnectorError:
    """The typed error of one item's sub-result in a batch call: 429, 5xx or no status (the call
    failed before an answer) are retried; any other status is the platform refusing that item."""
    if status == 429 or status >= 500 or status == 0:
        return RetryableError(error, http_status=status or None, hint=_("Sent again in the next batch."))
    return PermanentError(
        _("%(shop)s refused %(sku)s: %(error)s") % {"shop": subject, "sku": sku, "error": error},
        http_status=status,
        hint=_("Check that the product exists in the shop with this SKU, then resend."),
    )


def raise_first_refusal(outcome: dict[tuple[str, str], tuple[int, str]], *, platform: str) -> None:
    """For a one-product push through a batch call: raise the first item's refusal, if any."""
    for (_kind, sku), (status, error) in outcome.items():
        if error:
            raise batch_item_error(subject=platform, sku=sku, status=status, error=error)


# --- signals inside the engine (never shown as a bug) -------------------------------


class ConflictPending(Exception):
    """The order waits for an accountant's decision on its customer (C1, C2, C4)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LeaseLost(Exception):
    """This worker's claim was taken over (the watchdog judged it stuck): stop, write nothing."""


class LookupRequired(Exception):
    """A create was attempted while an earlier outcome is unsettled: a bug in a handler."""
