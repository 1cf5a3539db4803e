"""Admin building blocks showing a domain object's transfer (P2, V4, V5, C5).

Used by the orders admin (UI layer) to show each order's sales-order
transfer in one query: the transfer's fields are correlated subqueries
annotated onto the changelist's own query.
"""

from __future__ import annotations

import functools

from django.contrib import admin, messages
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import ErrorSource, TransferState

# One distinct symbol per state (our own single-image SVGs: Django's clock is a two-image sprite).
ICONS = {
    TransferState.SENT: ("sent.svg", _("Transferred")),
    TransferState.NEEDS_ATTENTION: ("attention.svg", _("Failed: needs attention")),
    TransferState.PENDING: ("pending.svg", _("Waiting to be sent")),
    TransferState.SENDING: ("sending.svg", _("Being sent")),
    TransferState.RETRY_WAIT: ("retry.svg", _("Temporary failure: will retry")),
    TransferState.UNKNOWN: ("unknown.svg", _("Outcome unknown: will be looked up")),
    TransferState.CONFLICT: ("conflict.svg", _("Customer conflict: waits for a decision")),
}


def icon(name: str, label: object) -> str:
    """One of the portal's state symbols, labelled for screen readers and on hover."""
    return _icon(name, str(label))


@functools.lru_cache(maxsize=256)
def _icon(name: str, label: str) -> str:
    # A list of a hundred rows asks for the same few symbols again and again: made once each.
    return format_html(
        '<img src="{}" alt="{}" title="{}" width="16" height="16" class="state-icon">',
        static(f"sync_portal/icons/{name}"), label, label,
    )  # fmt: skip


def state_icon(obj, *, resend_url: str | None) -> str:
    """The state symbol; a red cross links to resending (V5)."""
    if obj.transfer_state is None:
        return format_html('<span title="{}">–</span>', _("Not at a transfer status"))
    img = icon(*ICONS[obj.transfer_state])
    if obj.transfer_state == TransferState.NEEDS_ATTENTION and resend_url:
        return format_html('<a href="{}" title="{}">{}</a>', resend_url, _("Resend"), img)
    return img


def error_cell(obj, *, source: str) -> str:
    """A symbol that opens the message and the hint in place (no page change needed).

    The sync-errors column also shows a wait for a connection's credentials.
    """
    sources = {source, ErrorSource.CREDENTIALS} if source == ErrorSource.SYNC else {source}
    if obj.transfer_source not in sources or not obj.transfer_error:
        return ""
    # A problem in the data (fix it, then resend), a temporary failure (retried on its own) and a
    # refusal (a person must act) each have their own sign.
    if source == ErrorSource.VALIDATION:
        symbol, kind = "⚠", _("Data or mapping to fix")
    elif obj.transfer_state == TransferState.RETRY_WAIT:
        symbol, kind = "↻", _("Temporary: retried automatically")
    else:
        symbol, kind = "✖", _("Refused: needs attention")
    parts = [(obj.transfer_error,)]
    if obj.transfer_hint:
        parts.append((obj.transfer_hint,))
    link = reverse("admin:connectors_transfer_change", args=[obj.transfer_id])
    return format_html(
        '<details class="error-cell"><summary title="{}: {}">{}</summary>'
        '<div class="error-popover">{}<a href="{}">{}</a></div></details>',
        kind,
        obj.transfer_error,
        symbol,
        format_html_join("", "<p>{}</p>", parts),
        link,
        _("Attempts"),
    )


class TransferStateFilter(admin.SimpleListFilter):
    """Rows by the state of their transfer of ``kind`` (``selectors.transfer_state_is``: through the
    transfers' index, so a rare state is found among a million rows at once)."""

    title = _("transfer state")
    parameter_name = "transfer_state"
    kind = "sales_order"

    def lookups(self, request, model_admin):
        return [("none", _("Not at a transfer status")), *TransferState.choices]

    def queryset(self, request, queryset):
        from .selectors import transfer_state_is

        value = self.value()
        if value == "none" or value in TransferState.values:
            return queryset.filter(transfer_state_is(queryset.model, kind=self.kind, state=value))
        return queryset


def report_resend(modeladmin: admin.ModelAdmin, request: HttpRequest, result) -> None:
    """Tell the user what a resend queued and what it refused, and why."""
    from .models import Transfer

    named = Transfer.objects.in_bulk([*result.queued, *(pk for pk, _why in result.refused)])
    if result.queued:
        modeladmin.message_user(
            request,
            _("Queued to be sent again: %(what)s.") % {"what": ", ".join(named[pk].subject() for pk in result.queued)},
        )
    for pk, why in result.refused:
        modeladmin.message_user(
            request, _("%(what)s not resent: it %(why)s.") % {"what": named[pk].subject(), "why": why},
            level=messages.WARNING,
        )  # fmt: skip


# What a run's counts mean, in people's words (the engine's counter names are for the code).
COUNT_LABELS = {
    "seen": _("read"),
    "read": _("read"),
    "changed": _("changed"),
    "queued": _("queued to send"),
    "problems": _("set aside"),
    "sent": _("sent"),
    "failed": _("failed"),
    "claimed": _("taken"),
    "registered": _("webhooks registered"),
}


def run_counts(stats: dict) -> str:
    """A run's counts as one line ("read 120 of 2000 · changed 3 · set aside 1"); zeros left out."""
    parts = []
    stats = dict(stats or {})
    total = stats.pop("total", 0)
    for key, value in stats.items():
        if key in ("seen", "read") and total:
            parts.append(_("read %(done)s of %(total)s") % {"done": value, "total": total})
        elif key == "message":
            parts.append(str(value))
        elif isinstance(value, int) and value:
            parts.append(f"{COUNT_LABELS.get(key, key)} {value}")
    return " · ".join(parts) or "–"


# What a run did, in people's words (the engine's run kinds are for the code).
RUN_KINDS = {
    "orders": _("orders"),
    "customers": _("customers"),
    "products": _("products"),
    "items": _("ERP items"),
    "stock": _("stock"),
    "order_statuses": _("order statuses"),
    "invoices": _("ERP invoices"),
    "shipments": _("ERP shipments"),
    "codes": _("methods and discount codes"),
    "test": _("connection test"),
    "webhooks": _("webhook registration"),
}


def run_kind(kind: str) -> str:
    return str(RUN_KINDS.get(kind, kind))
