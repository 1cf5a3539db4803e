"""Buyers of an ERP that makes its customers from the order (C1-C3, R4): the Subiekt bridge takes a
contractor's tax id (NIP) with the order and finds the contractor, or creates it when asked; with
no tax id the order goes to its retail buyer.

Such an ERP can be neither searched nor written to for customers, so the portal decides from what
it knows: the customers it has already bound to the ERP (each by the NIP its contractor has). The
recipe, for an order's buyer:

1. no buyer, or a private person without a NIP -> the retail buyer;
2. a NIP on the card must pass its checksum (bad input stops the order with a hint);
3. a NIP typed as the ERP number in the shop, or bound already to the card's own NIP (or to any,
   for a card without one) -> that contractor;
4. a guest with a one-time or default policy -> the retail buyer (C3);
5. an accountant's decision on a conflict -> merge, add new or one-time (C4);
6. a known contractor with the same NIP -> it; one or more similar by e-mail, or by name and
   address -> the policy for similar customers; none -> the policy for none (C1, C2).

"Add new" sends the buyer's own NIP with ``create_customer``: the bridge searches by NIP before it
creates, so a contractor is never made twice. The buyer is bound to the NIP once the ERP has taken
the order, so the next order goes straight to it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from stdnum.eu import vat
from stdnum.pl import nip

from customers.models import Customer, Resolution
from orders.models import Order

from ..bindings import ct, erp_binding
from ..exceptions import MappingError, Problem
from ..models import Connection, CustomerPolicy, ExternalRef, GuestPolicy, Integration
from ..records import ErpCustomerRecord, SalesOrderRecord
from ..transfers import ConflictPending
from .customers import CustomerChoice, _norm, conflict_decision, conflict_open, customer_bind

RETAIL = CustomerChoice("", one_time=True)


def buyer_resolve(*, order: Order, integration: Integration) -> tuple[CustomerChoice, bool]:
    """(the contractor, whether the ERP may create it) for an order sent to an ERP that makes its
    customers from the order. Raises MappingError for a NIP that fails its checksum and
    ConflictPending when an accountant must decide (C4)."""
    customer = order.customer
    if customer is None:
        return RETAIL, False
    own = buyer_tax_id(customer)
    if customer.erp_customer_no:
        typed = _checked(customer.erp_customer_no, customer=customer)
        return CustomerChoice(typed), typed == own
    bound = erp_binding(customer, integration.erp)
    if bound and (not own or bound == own):
        return CustomerChoice(bound), bound == own
    # Bound to another NIP than the card's own now: a merge (decided again below, or by policy), or
    # the buyer's company changed; either way the card's NIP is weighed afresh.
    if not own:
        return RETAIL, False  # a private person: the bridge's contractors are companies (by NIP)
    if customer.is_guest and integration.guest_policy != GuestPolicy.REGULAR:
        return RETAIL, False

    decided = conflict_decision(customer=customer, erp=integration.erp)
    if decided is not None:
        if decided.resolution == Resolution.MERGE:
            return CustomerChoice(decided.merged_with_no), False
        if decided.resolution == Resolution.ONE_TIME:
            return RETAIL, False
        return CustomerChoice(own), True

    candidates = buyers_similar(customer=customer, erp=integration.erp, tax_id=own)
    if any(c.number == own for c in candidates):
        return CustomerChoice(own), True  # the contractor with this NIP: the same one
    if not candidates:
        policy, situation = integration.policy_no_similar, _("No similar customer exists in the ERP")
    elif len(candidates) == 1:
        policy, situation = integration.policy_one_similar, _("One similar customer exists in the ERP")
    else:
        # Several: only a person can pick; merging would be a guess.
        merge = integration.policy_one_similar == CustomerPolicy.MERGE
        policy = CustomerPolicy.ASK if merge else integration.policy_one_similar
        situation = _("%(n)d similar customers exist in the ERP") % {"n": len(candidates)}
    if policy == CustomerPolicy.ADD_NEW:
        return CustomerChoice(own), True
    if policy == CustomerPolicy.MERGE:
        return CustomerChoice(candidates[0].number), False
    if policy == CustomerPolicy.DEFAULT:
        return RETAIL, False
    conflict_open(customer=customer, erp=integration.erp, reason=situation, candidates=candidates)
    raise ConflictPending(
        _("%(situation)s: %(customer)s waits for a decision (add new / merge / one-time).")
        % {"situation": situation, "customer": customer}
    )


def buyer_tax_id(customer: Customer) -> str:
    """The buyer's Polish NIP (10 digits) when the card has a valid one; "" for none or a foreign
    EU VAT id (those buyers go to the retail buyer with the id on the order's invoice data).
    Raises MappingError for a tax id that fails its checksum."""
    if not customer.org_no.strip():
        return ""
    compact = nip.compact(customer.org_no)
    if len(compact) == 10 and compact.isdigit():
        return _checked(compact, customer=customer)
    if vat.is_valid(customer.org_no):
        return ""
    raise _bad_tax_id(customer.org_no, customer=customer)


def buyers_similar(*, customer: Customer, erp: Connection, tax_id: str) -> list[ErpCustomerRecord]:
    """The contractors the portal knows in this ERP (customers bound to it) that look like this
    buyer: the same NIP, else the same e-mail, else the same name at the same address. One
    record per contractor."""
    refs = ExternalRef.objects.filter(connection=erp, content_type=ct(Customer)).exclude(object_id=customer.pk)
    bound = dict(refs.values_list("object_id", "external_id"))
    if not bound:
        return []
    known = Customer.objects.filter(pk__in=list(bound))
    by_tax = [c for c in known if tax_id and bound[c.pk] == tax_id]
    by_email = [c for c in known if customer.email and c.email.lower() == customer.email.lower()]
    by_place = [
        c
        for c in known
        if _norm(c.display_name) == _norm(customer.display_name)
        and _norm(c.billing_street) == _norm(customer.billing_street)
        and c.billing_postcode.replace(" ", "") == customer.billing_postcode.replace(" ", "")
    ]
    found: dict[str, ErpCustomerRecord] = {}
    for c in by_tax or by_email or by_place:
        number = bound[c.pk]
        found.setdefault(number, ErpCustomerRecord(number=number, name=c.display_name, email=c.email, org_no=number))
    return list(found.values())


def buyer_bind_after_order(*, order: Order, erp: Connection, record: SalesOrderRecord) -> None:
    """Once the ERP took the order, its buyer is bound to the contractor's NIP: the next order goes
    straight to that contractor, and other buyers like it are offered it as similar."""
    if order.customer is not None and record.customer_no and erp_binding(order.customer, erp) != record.customer_no:
        customer_bind(customer=order.customer, erp=erp, number=record.customer_no)


def _checked(value: str, *, customer: Customer) -> str:
    compact = nip.compact(value)
    if not nip.is_valid(compact):
        raise _bad_tax_id(value, customer=customer)
    return compact


def _bad_tax_id(value: str, *, customer: Customer) -> MappingError:
    return MappingError(
        [
            Problem(
                _("The tax id (NIP) '%(value)s' of %(customer)s is not valid: its check digit does not match.")
                % {"value": value, "customer": customer},
                _("Correct it on the customer card in the shop (or clear it for a private buyer), then resend."),
            )
        ]
    )
