"""What is wrong with an order before it is sent, and what an ERP refusal means for it (V5, C5, R4).

Pure functions: no remote calls and no writes. Each problem is a message and a
hint a back-office person can act on, in their language.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from orders.models import Order

from .exceptions import Problem
from .pipeline import vat_key
from .records import SalesOrderRecord


def validate_order(order: Order, *, integration) -> list[Problem]:
    """Local checks that need no remote call: methods, VAT codes, freight item (V5, C5, R4)."""
    problems: list[Problem] = []
    lines = list(order.lines.all())
    if not lines:
        problems.append(
            Problem(_("Order %(number)s has no lines.") % {"number": order.number}, _("Check the order in the shop."))
        )
    # One sentence per method (not a composed one): translations need the whole sentence.
    if order.payment_method and order.payment_method not in integration.payment_method_map:
        problems.append(
            Problem(
                _("Payment method '%(method)s' has no ERP code.") % {"method": order.payment_method},
                _("Add '%(method)s' to the payment method map of %(integration)s.")
                % {"method": order.payment_method, "integration": integration},
                about_codes="payment",
            )
        )
    if order.shipping_method and order.shipping_method not in integration.shipping_method_map:
        problems.append(
            Problem(
                _("Shipping method '%(method)s' has no ERP code.") % {"method": order.shipping_method},
                _("Add '%(method)s' to the shipping method map of %(integration)s.")
                % {"method": order.shipping_method, "integration": integration},
                about_codes="shipping",
            )
        )
    if order.shipping_excl_vat and not integration.shipping_item_no:
        problems.append(
            Problem(
                _("The order has freight (%(amount)s %(currency)s) but no shipping item is set.")
                % {"amount": order.shipping_excl_vat, "currency": order.currency},
                _("Set the shipping item number on %(integration)s.") % {"integration": integration},
                about_codes="shipping_item",
            )
        )
    rates = {line.vat_rate for line in lines}
    if order.shipping_excl_vat:
        rates.add(order.shipping_vat_rate)
    for rate in sorted(rates):
        if vat_key(rate) not in integration.vat_map:
            problems.append(
                Problem(
                    _("VAT %(rate)s%% has no ERP VAT code.") % {"rate": vat_key(rate)},
                    _("Add '%(rate)s' to the VAT map of %(integration)s.")
                    % {"rate": vat_key(rate), "integration": integration},
                    about_codes="vat",
                )
            )
    return problems


def line_item_problem(line) -> Problem:
    """A line that resolved to no ERP item (so no default item is set either)."""
    hint = (
        _(
            "Put the ERP item number in the service's reference in the shop, "
            "or set a default item number on the integration."
        )
        if line.is_service
        else _(
            "Put the ERP item number in the product's reference in the shop, "
            "or set a default item number on the integration."
        )
    )
    return Problem(
        _("Line '%(name)s' (SKU %(sku)s) has no ERP item number and no default item is set.")
        % {"name": line.name, "sku": line.sku or "—"},
        hint,
    )


def unknown_item_problem(line, number: str, *, integration) -> Problem:
    """A line whose item number the ERP does not know, and no default item may stand in."""
    why = (
        _("the integration is set to stop on unknown items")
        if integration.default_item_no
        else _("no default item is set")
    )
    return Problem(
        _("Line '%(name)s' (SKU %(sku)s) has ERP item number '%(number)s', which the ERP does not know; %(why)s.")
        % {"name": line.name, "sku": line.sku or "—", "number": number, "why": why},
        _(
            "Create item '%(number)s' in the ERP or correct the product's reference in the shop, then resend; "
            "or set a default item on %(integration)s and let unknown items go as it."
        )
        % {"number": number, "integration": integration},
    )


def remote_error_hint(code: str, subject: str, *, order: Order, integration, record: SalesOrderRecord) -> str:
    """A hint a back-office person can act on, for an ERP refusal the platform classified (V5, C5)."""
    values = {"subject": subject, "integration": integration}
    if code in ("item_not_found", "item_missing"):
        return _item_hint(code, subject, integration=integration, record=record)
    if code in ("customer_not_found", "customer_missing"):
        if subject and subject == integration.default_customer_no:
            return (
                _("The default customer number '%(subject)s' does not exist in the ERP: correct it on %(integration)s.")
                % values
            )
        default = (
            _("clear it to use the default customer '%(number)s'") % {"number": integration.default_customer_no}
            if integration.default_customer_no
            else _("set a default customer number on the integration")
        )
        return _(
            "The ERP does not know customer '%(number)s'. Correct the ERP customer number on the customer card "
            "in the shop, or %(default)s."
        ) % {"number": subject or record.customer_no, "default": default}
    if code in ("order_type", "numbering_series"):
        return _(
            "The ERP has no order type / numbering series '%(series)s'. Set an existing one as the numbering "
            "series on %(integration)s."
        ) % {"series": subject or record.numbering_series, "integration": integration}
    if code == "payment_method":
        return _(
            "The ERP does not know payment method '%(subject)s' (mapped from '%(method)s'). Correct the payment "
            "method map on %(integration)s."
        ) % {**values, "method": order.payment_method}
    if code == "ship_via":
        return _(
            "The ERP does not know shipping method '%(subject)s' (mapped from '%(method)s'). Correct the shipping "
            "method map on %(integration)s."
        ) % {**values, "method": order.shipping_method}
    return ""


def _item_hint(code: str, subject: str, *, integration, record: SalesOrderRecord) -> str:
    values = {"subject": subject, "integration": integration}
    if subject and subject == integration.default_item_no:
        return (
            _("The default item number '%(subject)s' does not exist in the ERP: correct it on %(integration)s.")
            % values
        )
    if subject and subject == integration.shipping_item_no:
        return (
            _("The shipping item number '%(subject)s' does not exist in the ERP: correct it on %(integration)s.")
            % values
        )
    default = (
        _("The default item is '%(number)s'.") % {"number": integration.default_item_no}
        if integration.default_item_no
        else _("No default item is set either.")
    )
    if code == "item_missing":
        return _("A product has no ERP item number in its reference. %(default)s Set the reference in the shop.") % {
            "default": default
        }
    lines = [li for li in record.lines if li.item_no == subject] if subject else []
    named = ", ".join(f"'{li.description}'" for li in lines) or _("a line")
    return _(
        "%(lines)s carries ERP item number '%(subject)s' in its reference, which the ERP does not know. "
        "Correct the product's reference in the shop. %(default)s"
    ) % {"lines": named, "subject": subject, "default": default}
