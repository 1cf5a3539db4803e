"""The dashboard's bar charts, drawn as inline SVG on the server: no script, no CDN, no library."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

register = template.Library()

WIDTH, HEIGHT, GAP = 6, 28, 1


@register.simple_tag
def chart(bars) -> str:
    """Stacked bars (succeeded in green, failed in red) scaled to the busiest bar; each bar's
    figures in its tooltip."""
    peak = max((b.ok + b.failed for b in bars), default=0) or 1
    parts = []
    for i, bar in enumerate(bars):
        x = i * (WIDTH + GAP)
        ok_h = round(HEIGHT * bar.ok / peak)
        bad_h = round(HEIGHT * bar.failed / peak)
        title = _("%(when)s: %(ok)d succeeded, %(failed)d failed") % {
            "when": bar.label, "ok": bar.ok, "failed": bar.failed,
        }  # fmt: skip
        parts.append((x, HEIGHT - ok_h - bad_h, WIDTH, bad_h, x, HEIGHT - ok_h, WIDTH, ok_h, title))
    body = format_html_join(
        "",
        '<g><rect class="bar-failed" x="{}" y="{}" width="{}" height="{}"/>'
        '<rect class="bar-ok" x="{}" y="{}" width="{}" height="{}"/><title>{}</title></g>',
        parts,
    )
    width = len(bars) * (WIDTH + GAP)
    return format_html(
        '<svg class="chart" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '<rect class="chart-base" x="0" y="{}" width="{}" height="1"/>{}</svg>',
        width, HEIGHT + 1, width, HEIGHT + 1, _("Attempts per period"), HEIGHT, width, body,
    )  # fmt: skip


@register.filter
def run_kind(kind: str) -> str:
    """A run's kind in the reader's words ("orders" -> "megrendelések")."""
    from connectors.admin_display import run_kind as label

    return label(kind)
