"""Admin building blocks showing a domain object's transfer (P2, V4, V5, C5).

Used by the orders admin (UI layer) to show each order's sales-order
transfer in one query: the transfer's fields are correlated subqueries
annotated onto the changelist's own query.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import ErrorSource, TransferState

ICONS = {
    TransferState.SENT: ("icon-yes.svg", _("Transferred")),
    TransferState.NEEDS_ATTENTION: ("icon-no.svg", _("Failed: needs attention")),
    TransferState.PENDING: ("icon-clock.svg", _("Waiting to be sent")),
    TransferState.SENDING: ("icon-clock.svg", _("Being sent")),
    TransferState.RETRY_WAIT: ("icon-clock.svg", _("Waiting to retry")),
    TransferState.UNKNOWN: ("icon-unknown.svg", _("Outcome unknown: will be looked up")),
    TransferState.CONFLICT: ("icon-alert.svg", _("Customer conflict: waits for a decision")),
}


def state_icon(obj, *, resend_url: str | None) -> str:
    """The state symbol; a red cross links to resending (V5)."""
    if obj.transfer_state is None:
        return format_html('<span title="{}">–</span>', _("Not at a transfer status"))
    icon, label = ICONS[obj.transfer_state]
    img = format_html('<img src="{}" alt="{}" title="{}">', static(f"admin/img/{icon}"), label, label)
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
    symbol = "⚠" if source == ErrorSource.VALIDATION else "✖"
    parts = [(obj.transfer_error,)]
    if obj.transfer_hint:
        parts.append((obj.transfer_hint,))
    link = reverse("admin:connectors_transfer_change", args=[obj.transfer_id])
    return format_html(
        '<details><summary title="{}">{}</summary>{}<a href="{}">{}</a></details>',
        obj.transfer_error,
        symbol,
        format_html_join("", "<p>{}</p>", parts),
        link,
        _("Attempts"),
    )


class TransferStateFilter(admin.SimpleListFilter):
    """Filter rows annotated by ``selectors.with_transfer`` by their transfer's state."""

    title = _("transfer state")
    parameter_name = "transfer_state"

    def lookups(self, request, model_admin):
        return [("none", _("Not at a transfer status")), *TransferState.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(transfer_state__isnull=True)
        if value:
            return queryset.filter(transfer_state=value)
        return queryset


def report_resend(modeladmin: admin.ModelAdmin, request: HttpRequest, result) -> None:
    """Tell the user what a resend queued and what it refused, and why."""
    if result.queued:
        modeladmin.message_user(request, _("%d transfer(s) queued to be sent again.") % len(result.queued))
    for pk, why in result.refused:
        modeladmin.message_user(
            request, _("Transfer %(pk)s not resent: it %(why)s.") % {"pk": pk, "why": why}, level=messages.WARNING
        )
