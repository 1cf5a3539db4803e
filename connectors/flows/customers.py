"""Customers (V3, S3, C1-C5, R4): matching a buyer to an ERP customer, creating one exactly once,
and the accountant's decisions on conflicts."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import ConflictStatus, Customer, CustomerConflict, Resolution
from orders.models import Order

from .. import validation
from ..base import Capability, ErpConnector
from ..bindings import ct, erp_binding
from ..exceptions import MappingError, PermanentError, Problem
from ..models import (
    AttemptOutcome,
    Connection,
    CustomerPolicy,
    ExternalRef,
    GuestPolicy,
    Integration,
    SyncRun,
    Transfer,
    TransferKind,
    TransferState,
)
from ..pulls import pull_stream
from ..records import (
    AddressRecord,
    CustomerRecord,
)
from ..services import (
    erp_connector,
    shop_connector,
)
from ..transfers import (
    AttemptLog,
    ConflictPending,
    handles,
    remote_create,
    transfer_lookup,
    transfer_queue,
    transfer_resend,
    transfer_run_now,
)
from .mirror import customer_upsert

logger = logging.getLogger("connectors.engine")


@dataclass(frozen=True)
class CustomerChoice:
    number: str
    one_time: bool = False


def _default_customer(integration: Integration, why: str) -> CustomerChoice:
    if not integration.default_customer_no:
        raise MappingError(
            [
                Problem(
                    f"{why} and no default customer is set.",
                    f"Set the default customer number on {integration}, or give the customer an "
                    "ERP customer number in the shop.",
                )
            ]
        )
    return CustomerChoice(integration.default_customer_no)


def customer_resolve(*, order: Order, integration: Integration, erp: ErpConnector) -> CustomerChoice:
    """The ERP customer for an order (V3, C1-C3, R4).

    ERP number on the card -> the registered customer's binding -> guest
    policy -> an accountant's decision -> same name + e-mail in the ERP ->
    the policy for similar customers.
    """
    customer = order.customer
    if customer is None:
        return _default_customer(integration, f"Order {order.number} has no customer")
    if customer.erp_customer_no:
        return CustomerChoice(customer.erp_customer_no)
    if bound := erp_binding(customer, integration.erp):
        return CustomerChoice(bound)
    if customer.is_guest and integration.guest_policy == GuestPolicy.DEFAULT:
        return _default_customer(integration, "The buyer is a guest")
    if customer.is_guest and integration.guest_policy == GuestPolicy.ONE_TIME:
        return customer_one_time(customer=customer, integration=integration, erp=erp, why="The buyer is a guest")

    decided = conflict_decision(customer=customer, erp=integration.erp)
    if decided is not None:
        if decided.resolution == Resolution.MERGE:
            return customer_bind(customer=customer, erp=integration.erp, number=decided.merged_with_no)
        if decided.resolution == Resolution.ONE_TIME:
            why = "The accountant chose a one-time customer"
            return customer_one_time(customer=customer, integration=integration, erp=erp, why=why)
        return customer_create(customer=customer, integration=integration, erp=erp)

    candidates = erp.search_customers(email=customer.email, name=customer.display_name, org_no=customer.org_no)
    same = [
        c
        for c in candidates
        if c.email.lower() == customer.email.lower() and _norm(c.name) == _norm(customer.display_name)
    ]
    if len(same) == 1:
        return customer_bind(customer=customer, erp=integration.erp, number=same[0].number)

    if not candidates:
        policy, situation = integration.policy_no_similar, _("No similar customer exists in the ERP")
    elif len(candidates) == 1:
        policy, situation = integration.policy_one_similar, _("One similar customer exists in the ERP")
    else:
        # Several candidates: only a person can pick; merging would be a guess.
        policy = (
            CustomerPolicy.ASK
            if integration.policy_one_similar == CustomerPolicy.MERGE
            else (integration.policy_one_similar)
        )
        situation = _("%(n)d similar customers exist in the ERP") % {"n": len(candidates)}

    if policy == CustomerPolicy.ADD_NEW:
        return customer_create(customer=customer, integration=integration, erp=erp)
    if policy == CustomerPolicy.MERGE:
        return customer_bind(customer=customer, erp=integration.erp, number=candidates[0].number)
    if policy == CustomerPolicy.DEFAULT:
        return _default_customer(integration, situation)
    conflict_open(customer=customer, erp=integration.erp, reason=situation, candidates=candidates)
    raise ConflictPending(
        _("%(situation)s: %(customer)s waits for a decision (add new / merge / one-time).")
        % {"situation": situation, "customer": customer}
    )


def conflict_decision(*, customer: Customer, erp: Connection) -> CustomerConflict | None:
    """The accountant's latest decision on this customer's conflict with this ERP, if any (C4)."""
    return (
        CustomerConflict.objects.filter(customer=customer, erp=erp, status=ConflictStatus.RESOLVED)
        .order_by("-resolved_at")
        .first()
    )


def customer_one_time(*, customer: Customer, integration: Integration, erp: ErpConnector, why: str) -> CustomerChoice:
    """A one-time buyer (C3): a one-time customer of the ERP's own where it has them (Visma's
    status "One time"); otherwise the default customer, with the buyer's name and address on
    the order and "one-time customer" in its note."""
    if Capability.ONE_TIME_CUSTOMERS in erp.capabilities:
        if not customer.one_time:
            customer.one_time = True
            customer.save(update_fields=["one_time", "updated_at"])
        choice = customer_create(customer=customer, integration=integration, erp=erp)
        return CustomerChoice(choice.number, one_time=True)
    choice = _default_customer(integration, f"{why} (one-time customer)")
    return CustomerChoice(choice.number, one_time=True)


def card_fingerprint(customer: Customer) -> str:
    """A hash of the customer's shop card as it would be sent: changes when the card changes."""
    return hashlib.sha256(repr(_customer_record(customer)).encode()).hexdigest()


def customer_card_sync(*, customer: Customer | None, integration: Integration, erp: ErpConnector, number: str) -> bool:
    """Send a changed shop card to the ERP customer it is bound to, before the order (S3, S7).

    Only what changed since the binding was made or last sent: the first time a
    customer is bound (created, matched, merged, or by the number on its card)
    the card is remembered, not sent. Never for the default customer or an ERP
    that cannot update customers. Returns whether an update was sent.
    """
    if customer is None or number == integration.default_customer_no:
        return False
    fingerprint = card_fingerprint(customer)
    ref = ExternalRef.objects.filter(
        connection=integration.erp, content_type=ct(customer), object_id=customer.pk
    ).first()
    if ref is None or ref.external_id != number or not ref.fingerprint:
        customer_bind(customer=customer, erp=integration.erp, number=number)
        return False
    if ref.fingerprint == fingerprint:
        return False
    if not integration.update_erp_customers or Capability.UPDATE_CUSTOMERS not in erp.capabilities:
        return False
    erp.update_customer(number, _customer_record(customer))
    ExternalRef.objects.filter(pk=ref.pk).update(fingerprint=fingerprint)
    return True


def _norm(name: str) -> str:
    return " ".join(name.casefold().split())


def conflict_open(*, customer: Customer, erp: Connection, reason: str, candidates) -> CustomerConflict:
    """Record (once) that a customer needs an accountant's decision."""
    conflict, _ = CustomerConflict.objects.get_or_create(
        customer=customer,
        erp=erp,
        status=ConflictStatus.OPEN,
        defaults={
            "reason": reason,
            "candidates": [
                {"number": c.number, "name": c.name, "email": c.email, "org_no": c.org_no} for c in candidates
            ],
        },
    )
    return conflict


def customer_bind(*, customer: Customer, erp: Connection, number: str) -> CustomerChoice:
    """Bind the customer to an ERP number at once, so no later order asks again.

    The binding is shared: other shop customers may be bound to the same ERP customer.
    """
    ExternalRef.objects.update_or_create(
        connection=erp,
        content_type=ct(customer),
        object_id=customer.pk,
        defaults={"external_id": number, "shared": True, "fingerprint": card_fingerprint(customer)},
    )
    return CustomerChoice(number)


def _customer_record(customer: Customer) -> CustomerRecord:
    return CustomerRecord(
        customer_type=customer.customer_type,
        first_name=customer.first_name,
        last_name=customer.last_name,
        company=customer.company if customer.customer_type == "C" else customer.full_name,
        org_no=customer.org_no,
        language=customer.language,
        email=customer.email,
        phone=customer.phone,
        fax=customer.fax,
        mobile=customer.mobile,
        is_guest=customer.is_guest,
        one_time=customer.one_time,
        billing=AddressRecord(
            street=customer.billing_street,
            postcode=customer.billing_postcode,
            city=customer.billing_city,
            country=customer.billing_country,
        ),
        delivery=AddressRecord(
            street=customer.delivery_street,
            postcode=customer.delivery_postcode,
            city=customer.delivery_city,
            country=customer.delivery_country,
        ),
    )


def customer_create(*, customer: Customer, integration: Integration, erp: ErpConnector) -> CustomerChoice:
    """Create the customer in the ERP through its own transfer, now (S3, S7: customer first).

    The customer transfer goes through the same machinery as any other (claim,
    lookup of an unsettled earlier attempt, create, bind), so two orders of one
    new buyer on two workers create it once. While it is not created, the
    order waits: its error says why.
    """
    if bound := erp_binding(customer, integration.erp):
        return CustomerChoice(bound)
    transfer = transfer_run_now(
        connection=integration.erp,
        obj=customer,
        kind=TransferKind.CUSTOMER,
        what=_("Customer %(customer)s") % {"customer": customer},
        then=_("The order is sent once its customer exists in the ERP."),
    )
    return CustomerChoice(transfer.remote_id)


@handles(TransferKind.CUSTOMER)
def customer_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Create one customer in the ERP exactly once, or bring its card up to date (S3, C1-C3).

    Bound already: the card is sent when it changed since (force update).
    Not bound: an ERP customer with the same e-mail and name is this one; else
    it is created. After an unsettled create, the one with its e-mail is it.
    """
    customer = Customer.objects.get(pk=transfer.object_id)
    erp = erp_connector(transfer.connection)
    if bound := erp_binding(customer, transfer.connection):
        integration = Integration.objects.filter(erp=transfer.connection, shop=customer.shop).first()
        if integration is not None and customer_card_sync(
            customer=customer, integration=integration, erp=erp, number=bound
        ):
            log.request_excerpt = f"customer {bound} updated from the shop card"
            return AttemptOutcome.SENT, bound
        return AttemptOutcome.FOUND, bound
    settling = transfer.needs_lookup
    # Guarded: the ERP matches a customer sent again by its e-mail itself (Specter's force update).
    guarded = TransferKind.CUSTOMER in erp.guarded_creates and bool(customer.email)
    number = (
        None
        if guarded
        else transfer_lookup(
            transfer, lookup=lambda: _customer_lookup(customer=customer, erp=erp, same_name=not settling), always=True
        )
    )
    outcome = AttemptOutcome.FOUND
    if not number:
        record = _customer_record(customer)
        log.request_excerpt = f"name={record.company or customer.full_name} email={record.email}"
        with remote_create(transfer, guarded=guarded):
            number = erp.create_customer(record)
        outcome = AttemptOutcome.SENT
    customer_bind(customer=customer, erp=transfer.connection, number=number)
    return outcome, number


def _customer_lookup(*, customer: Customer, erp: ErpConnector, same_name: bool) -> str | None:
    """The ERP customer that is this one: with the buyer's e-mail (and name, unless an earlier
    create of ours is being settled: then the e-mail alone tells)."""
    if not customer.email:
        return None
    same = [
        c
        for c in erp.search_customers(email=customer.email, name=customer.display_name, org_no="")
        if c.email.lower() == customer.email.lower()
        and (not same_name or _norm(c.name) == _norm(customer.display_name))
    ]
    if len(same) > 1:
        raise PermanentError(
            f"{len(same)} ERP customers have the e-mail {customer.email}: it is not clear which one this customer is.",
            hint=_("Put the right ERP customer number on the customer card, then resend."),
        )
    return same[0].number if same else None


def shop_pull_customers(*, connection: Connection) -> SyncRun:
    """Registered customers changed in the shop since the cursor (R4), sent on to the ERP when
    the integration says so (S1, S3)."""
    shop = shop_connector(connection)
    integration = Integration.objects.filter(shop=connection).select_related("erp").first()
    return pull_stream(
        connection=connection,
        stream="customers",
        pull=shop.pull_customers,
        store=lambda r: customers_from_shop(shop=connection, record=r, integration=integration),
        stamp=lambda r: r.updated_at,
        check=validation.check_customer,
        label=lambda r: _("customer %(email)s") % {"email": r.email or r.external_id},
    )


def customers_from_shop(
    *, shop: Connection, record: CustomerRecord, integration: Integration | None
) -> tuple[bool, bool]:
    """One registered customer downloaded from the shop (R4); sent to the ERP when the integration
    says so and it is new or its card changed (S1, S3). Returns (changed, queued)."""
    before = Customer.objects.filter(
        pk__in=ExternalRef.objects.filter(
            connection=shop, content_type=ct(Customer), external_id=record.external_id
        ).values("object_id")
    ).first()
    fingerprint = card_fingerprint(before) if before else ""
    customer = customer_upsert(shop=shop, record=record)
    changed = card_fingerprint(customer) != fingerprint
    if not (integration is not None and integration.customers_to_erp and changed):
        return changed, False
    if customer.erp_customer_no and not erp_binding(customer, integration.erp):
        # The card names its ERP customer (V3): that one it is, its card remembered as is.
        customer_bind(customer=customer, erp=integration.erp, number=customer.erp_customer_no)
    transfer_queue(connection=integration.erp, obj=customer, kind=TransferKind.CUSTOMER)
    return changed, True


def conflict_resolve(*, conflict: CustomerConflict, resolution: str, user, merge_with: str = "") -> list[int]:
    """Record an accountant's decision and release the customer's waiting orders (C4).

    ``merge_with``: which similar customer to merge with when there are several. Raises
    DecisionRefused when the decision cannot be applied. Returns the ids of the transfers
    queued again.
    """
    merged_with_no = conflict.merge_target(merge_with) if resolution == Resolution.MERGE else ""
    with transaction.atomic():
        conflict.mark_resolved(resolution=resolution, user=user, merged_with_no=merged_with_no)
        conflict.save()
        waiting = Transfer.objects.filter(
            connection=conflict.erp,
            kind=TransferKind.SALES_ORDER,
            state=TransferState.CONFLICT,
            content_type=ct(Order),
            object_id__in=Order.objects.filter(customer=conflict.customer).values("pk"),
        ).values_list("pk", flat=True)
        return transfer_resend(transfer_ids=list(waiting)).queued
