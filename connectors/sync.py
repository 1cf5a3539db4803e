"""The sync engine: shop pull cycles and the order pipeline (V1-V5, S7, S8, C1-C5, R1, R4).

Shop cycle (a re-runnable import): read the cursor minus a buffer, pull every
order updated since, skip what is up to date, upsert the mirror, bind the
shop's id at once, create the sales-order transfer when the order reached a
transfer status, and move the cursor only when the whole pull succeeded.

Order push (handler of TransferKind.SALES_ORDER): read the order afresh on a
retry, look it up in the ERP when an earlier attempt's outcome is unknown,
validate everything locally, resolve items and the customer, build the sales
order, create it, and bind the ERP number in its own short transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import ConflictStatus, Customer, CustomerConflict, Resolution
from inventory.models import Product, ProductStatus, StockLevel, Warehouse
from orders.models import Order, OrderAddress, OrderDiscount, OrderLine

from . import registry, validation
from .base import Capability, ErpConnector, ShopConnector
from .exceptions import AuthError, MappingError, PermanentError, Problem, RetryableError
from .models import (
    AttemptOutcome,
    AuthState,
    Connection,
    CustomerPolicy,
    ErrorSource,
    ExternalRef,
    GuestPolicy,
    Integration,
    Role,
    SyncRun,
    Transfer,
    TransferKind,
    TransferState,
)
from .parsing import BadValue
from .pipeline import line_item_problem, remote_error_hint, sales_order_build, validate_order
from .pulls import import_one, pull_stream, run_guarded
from .records import (
    AddressRecord,
    CustomerRecord,
    ErpOrderStatusRecord,
    ItemRecord,
    OrderRecord,
    PriceRecord,
    ProductRecord,
    StockRecord,
)
from .selectors import CLAIMABLE
from .services import (
    connection_cycle_claim,
    connection_cycle_heartbeat,
    connection_cycle_release,
    connector_for,
    enqueue,
    speaking_to,
)
from .transfers import (
    AttemptLog,
    ConflictPending,
    handles,
    remote_create,
    transfer_ensure,
    transfer_lookup,
    transfer_process,
    transfer_resend,
)

logger = logging.getLogger("connectors.engine")


def _ct(model) -> ContentType:
    return ContentType.objects.get_for_model(model)


# --- mirror upserts -----------------------------------------------------------


def _bound(connection: Connection, model, external_id: str):
    ref = ExternalRef.objects.filter(connection=connection, content_type=_ct(model), external_id=external_id).first()
    return (model.objects.filter(pk=ref.object_id).first(), ref) if ref else (None, None)


def _bind(
    connection: Connection, obj, external_id: str, remote_updated_at: dt.datetime | None, fingerprint: str = ""
) -> None:
    ExternalRef.objects.update_or_create(
        connection=connection,
        content_type=_ct(obj),
        external_id=external_id,
        defaults={"object_id": obj.pk, "remote_updated_at": remote_updated_at, "fingerprint": fingerprint},
    )


def fingerprint(record) -> str:
    """A stable hash of a record's content (frozen dataclasses have a deterministic repr)."""
    return hashlib.sha256(repr(record).encode()).hexdigest()


def _address_fields(prefix: str, address: AddressRecord | None) -> dict[str, str]:
    if address is None:
        return {}
    return {
        f"{prefix}_street": address.street,
        f"{prefix}_postcode": address.postcode,
        f"{prefix}_city": address.city,
        f"{prefix}_country": address.country,
    }


def customer_upsert(*, shop: Connection, record: CustomerRecord) -> Customer:
    """The mirror's customer for a shop customer record (registered by id, guests by e-mail + name)."""
    fields = {
        "shop": shop,
        "customer_type": record.customer_type or "P",
        "is_guest": record.is_guest,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "company": record.company,
        "org_no": record.org_no,
        "language": record.language,
        "email": record.email,
        "phone": record.phone,
        "fax": record.fax,
        "mobile": record.mobile,
        "erp_customer_no": record.erp_customer_no,
        **_address_fields("billing", record.billing),
        **_address_fields("delivery", record.delivery),
    }
    if record.external_id and not record.is_guest:
        customer, _ref = _bound(shop, Customer, record.external_id)
    else:
        # A returning guest is the same person when e-mail and name agree (R4),
        # so an accountant's decision about them applies to the next order too.
        customer = Customer.objects.filter(
            shop=shop,
            is_guest=True,
            email__iexact=record.email,
            first_name=record.first_name,
            last_name=record.last_name,
        ).first()
    if customer is None:
        try:
            with transaction.atomic():
                customer = Customer.objects.create(**fields)
        except IntegrityError:
            if not record.is_guest:
                raise
            # Another worker imported the same guest a moment ago: that is this customer.
            customer = Customer.objects.get(
                shop=shop,
                is_guest=True,
                email__iexact=record.email,
                first_name=record.first_name,
                last_name=record.last_name,
            )
    if any(getattr(customer, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(customer, name, value)
        customer.save()
    if record.external_id and not record.is_guest:
        _bind(shop, customer, record.external_id, record.updated_at)
    return customer


@dataclass(frozen=True)
class UpsertResult:
    order: Order
    changed: bool


def order_upsert(*, shop: Connection, record: OrderRecord) -> UpsertResult:
    """Write one shop order into the mirror, all or nothing; skip it when up to date."""
    digest = fingerprint(record)
    with transaction.atomic():
        order, ref = _bound(shop, Order, record.external_id)
        # Shops stamp updated_at to the second, so two changes in one second share a
        # stamp: skip on identical content, or on a stamp older than what we hold.
        if order is not None and ref is not None:
            stale = record.updated_at and ref.remote_updated_at and record.updated_at < ref.remote_updated_at
            if ref.fingerprint == digest or stale:
                return UpsertResult(order, changed=False)
        customer = customer_upsert(shop=shop, record=record.customer)
        header = {
            "shop": shop,
            "number": record.number,
            "shop_status": record.status,
            "customer": customer,
            "currency": record.currency,
            "shop_code": record.shop_code,
            "language": record.language,
            "placed_at": record.placed_at,
            "shop_updated_at": record.updated_at,
            "payment_method": record.payment_method,
            "shipping_method": record.shipping_method,
            "payment_reference": record.payment_reference,
            "customer_comment": record.customer_comment,
            "customer_reference": record.customer_reference,
            "email": record.email or record.customer.email,
            "shipping_excl_vat": record.shipping_excl_vat,
            "shipping_vat_rate": record.shipping_vat_rate,
            "grand_total": record.grand_total,
        }
        if order is None:
            # The shop's order number is unique per shop: an order imported
            # before its binding existed is the same order, unless another
            # shop record is bound to it (a number used twice).
            order = Order.objects.filter(shop=shop, number=record.number).first()
            other = order and ExternalRef.objects.filter(connection=shop, content_type=_ct(Order), object_id=order.pk)
            other = other.first() if other else None
            if other is not None and other.external_id != record.external_id:
                raise BadValue(
                    _("Order number %(number)s is already used by another order of this shop (id %(other)s).")
                    % {"number": record.number, "other": other.external_id},
                    hint=_("Give the order its own number in the shop; it is imported by the next sync."),
                )
        if order is None:
            order = Order.objects.create(**header)
        else:
            for name, value in header.items():
                setattr(order, name, value)
            order.save()
            order.lines.all().delete()
            order.addresses.all().delete()
            order.discounts.all().delete()
        products = {p.sku: p for p in Product.objects.filter(shop=shop, sku__in=[li.sku for li in record.lines])}
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                position=i,
                product=products.get(line.sku),
                sku=line.sku,
                reference=line.reference,
                name=line.name,
                is_service=line.is_service,
                quantity=line.quantity,
                unit_price_excl_vat=line.unit_price_excl_vat,
                vat_rate=line.vat_rate,
                discount_amount=line.discount_amount,
            )
            for i, line in enumerate(record.lines)
        )
        OrderAddress.objects.bulk_create(
            OrderAddress(order=order, kind=kind, **vars(address))
            for kind, address in (("billing", record.billing), ("delivery", record.delivery))
            if address is not None
        )
        OrderDiscount.objects.bulk_create(
            OrderDiscount(order=order, code=d.code, kind=d.kind, value=d.value) for d in record.discounts
        )
        _bind(shop, order, record.external_id, record.updated_at, digest)
    return UpsertResult(order, changed=True)


def order_mark_for_transfer(*, order: Order, integration: Integration) -> Transfer | None:
    """Create the sales-order transfer when the order reached a transfer status (V1)."""
    if not integration.enabled or order.shop_status not in integration.transfer_statuses:
        return None
    transfer = transfer_ensure(connection=integration.erp, obj=order, kind=TransferKind.SALES_ORDER)
    if transfer.state == TransferState.PENDING:
        enqueue("connectors.tasks.process_transfer", transfer.pk)
    return transfer


# --- cycles ---------------------------------------------------------------------


def shop_pull_orders(*, connection: Connection) -> SyncRun:
    """Import orders changed since the cursor; queue the ones due for transfer (R1, S1)."""
    integration = Integration.objects.filter(shop=connection).select_related("erp").first()
    shop: ShopConnector = connector_for(connection)  # type: ignore[assignment]

    def store(record: OrderRecord) -> tuple[bool, bool]:
        result = order_upsert(shop=connection, record=record)
        queued = integration is not None and order_mark_for_transfer(order=result.order, integration=integration)
        return result.changed, bool(queued)

    return pull_stream(
        connection=connection,
        stream="orders",
        pull=shop.pull_orders,
        store=store,
        stamp=lambda r: r.updated_at or r.placed_at,
        check=validation.check_order,
        label=lambda r: _("order %(number)s") % {"number": r.number},
    )


def product_upsert(*, shop: Connection, record: ProductRecord) -> bool:
    """Mirror one shop product (S1, S6: a variant is its own product); return whether it changed."""
    fields = {
        "name": record.name,
        "reference": record.reference,
        "ean": record.ean,
        "price_excl_vat": record.price_excl_vat,
        "is_service": record.is_service,
        "status": ProductStatus.ACTIVE if record.active else ProductStatus.INACTIVE,
        "weight": record.weight,
    }
    product = Product.objects.filter(shop=shop, sku=record.sku).first()
    if product is not None and all(getattr(product, k) == v for k, v in fields.items()):
        return False
    with transaction.atomic():
        product, _ = Product.objects.update_or_create(shop=shop, sku=record.sku, defaults=fields)
        if record.external_id:
            _bind(shop, product, record.external_id, record.updated_at)
    return True


def shop_pull_products(*, connection: Connection) -> SyncRun:
    """Import products changed since the cursor (S1)."""
    shop: ShopConnector = connector_for(connection)  # type: ignore[assignment]
    return pull_stream(
        connection=connection,
        stream="products",
        pull=shop.pull_products,
        store=lambda r: (product_upsert(shop=connection, record=r), False),
        stamp=lambda r: r.updated_at,
        check=validation.check_product,
        label=lambda r: _("product %(sku)s") % {"sku": r.sku},
    )


def erp_sync_stock(*, connection: Connection) -> SyncRun:
    """Read stock of every mirrored product of the shops this ERP serves; queue a push of
    the products whose quantity changed, and only those (R7, S10)."""
    erp: ErpConnector = connector_for(connection)  # type: ignore[assignment]

    def body(counts: Counter[str]) -> None:
        for integration in Integration.objects.filter(erp=connection, enabled=True).select_related("shop"):
            _stock_of_shop(erp=erp, connection=connection, integration=integration, counts=counts)

    return run_guarded(connection=connection, kind="stock", body=body)


def _stock_of_shop(
    *, erp: ErpConnector, connection: Connection, integration: Integration, counts: Counter[str]
) -> None:
    code = integration.warehouse_code or "MAIN"
    warehouse, _created = Warehouse.objects.get_or_create(code=code, defaults={"name": code})
    products = {
        (p.reference or p.sku): p
        for p in Product.objects.filter(shop=integration.shop, status=ProductStatus.ACTIVE, is_service=False)
    }
    levels = {
        lv.product_id: lv.physical
        for lv in StockLevel.objects.filter(warehouse=warehouse, product__in=products.values())
    }

    def store(record: StockRecord) -> tuple[bool, bool]:
        product = products.get(record.sku)
        if product is None or levels.get(product.pk) == record.quantity:
            return False, False
        StockLevel.objects.update_or_create(
            product=product, warehouse=warehouse, defaults={"physical": record.quantity}
        )
        transfer = transfer_ensure(connection=integration.shop, obj=product, kind=TransferKind.STOCK)
        enqueue("connectors.tasks.process_transfer", transfer.pk)
        return True, True

    for record in erp.stock(integration.warehouse_code, items=sorted(products)):
        connection_cycle_heartbeat(connection_id=connection.pk)
        counts["read"] += 1
        import_one(
            connection,
            "stock",
            record,
            store=store,
            check=validation.check_stock,
            key=lambda r: r.sku,
            label=lambda r: _("stock of %(sku)s") % {"sku": r.sku},
            counts=counts,
        )


def erp_pull_prices(*, connection: Connection) -> SyncRun:
    """Items changed in the ERP since the cursor: a new sale price goes to each shop
    selling the item, and only when it differs from the mirror (R7, S5)."""
    erp: ErpConnector = connector_for(connection)  # type: ignore[assignment]
    shops = [i.shop for i in Integration.objects.filter(erp=connection, enabled=True).select_related("shop")]

    def store(item: ItemRecord) -> tuple[bool, bool]:
        if item.price_excl_vat is None:
            return False, False
        changed = False
        for product in Product.objects.filter(shop__in=shops).filter(Q(reference=item.number) | Q(sku=item.number)):
            if product.price_excl_vat == item.price_excl_vat:
                continue
            with transaction.atomic():
                Product.objects.filter(pk=product.pk).update(price_excl_vat=item.price_excl_vat)
                transfer = transfer_ensure(connection=product.shop, obj=product, kind=TransferKind.PRICE)
                enqueue("connectors.tasks.process_transfer", transfer.pk)
            changed = True
        return changed, changed

    return pull_stream(
        connection=connection,
        stream="items",
        pull=erp.changed_items,
        store=store,
        stamp=lambda r: r.updated_at,
        key=lambda r: r.number,
        label=lambda r: _("item %(number)s") % {"number": r.number},
    )


def erp_pull_statuses(*, connection: Connection) -> SyncRun:
    """Read ERP order statuses changed since the cursor; queue a status push where the
    mapped shop status differs (S2, S11)."""
    erp: ErpConnector = connector_for(connection)  # type: ignore[assignment]

    def store(record: ErpOrderStatusRecord) -> tuple[bool, bool]:
        order = (
            Order.objects.select_related("shop__integration")
            .filter(erp_order_no=record.number, shop__integration__erp=connection)
            .first()
        )
        if order is None or order.erp_status == record.status:
            return False, False
        order.erp_status = record.status
        order.save(update_fields=["erp_status", "updated_at"])
        wanted = order.shop.integration.status_map.get(record.status)
        if not wanted or wanted == order.shop_status:
            return True, False
        transfer = transfer_ensure(connection=order.shop, obj=order, kind=TransferKind.ORDER_STATUS)
        enqueue("connectors.tasks.process_transfer", transfer.pk)
        return True, True

    return pull_stream(
        connection=connection,
        stream="order_statuses",
        pull=erp.order_statuses,
        store=store,
        stamp=lambda r: r.updated_at,
        key=lambda r: r.number,
        label=lambda r: _("ERP order %(number)s") % {"number": r.number},
    )


def connection_cycle(*, connection: Connection) -> list[SyncRun]:
    """One sync cycle of a connection: what its role and capabilities call for (R1, R7, S1, S2).

    One cycle per connection at a time: a cycle asked for while one runs is
    skipped (the running one reads the same records). While the connection's
    credentials are refused, the cycle is only a test: once it succeeds, the
    next cycle runs in full.
    """
    if not connection_cycle_claim(connection_id=connection.pk):
        return []
    try:
        if connection.auth_state == AuthState.NEEDS_CREDENTIALS:
            return [connection_test(connection=connection)]
        capabilities = registry.get(connection.platform).capabilities
        runs: list[SyncRun] = []
        if connection.role == Role.SHOP:
            if Capability.PULL_PRODUCTS in capabilities:
                runs.append(shop_pull_products(connection=connection))
            if Capability.PULL_ORDERS in capabilities:
                runs.append(shop_pull_orders(connection=connection))
        else:
            if Capability.STOCK in capabilities:
                runs.append(erp_sync_stock(connection=connection))
            if Capability.CHANGED_ITEMS in capabilities:
                runs.append(erp_pull_prices(connection=connection))
            if Capability.ORDER_STATUSES in capabilities:
                runs.append(erp_pull_statuses(connection=connection))
        return runs
    finally:
        connection_cycle_release(connection_id=connection.pk)


def connection_test(*, connection: Connection) -> SyncRun:
    """Make one authenticated call with fresh credentials and record the outcome as a run
    of kind 'test'. Success clears a credentials refusal and resumes what waited on it."""

    def body(counts: Counter[str]) -> None:
        counts["message"] = connector_for(connection).test()  # type: ignore[assignment]

    return run_guarded(connection=connection, kind="test", body=body)


# --- the order pipeline -----------------------------------------------------------


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
                    f"Set the default customer number on {integration} (V3), or give the customer an "
                    "ERP customer number in the shop.",
                )
            ]
        )
    return CustomerChoice(integration.default_customer_no)


def _erp_binding(customer: Customer, erp: Connection) -> str:
    ref = ExternalRef.objects.filter(connection=erp, content_type=_ct(Customer), object_id=customer.pk).first()
    return ref.external_id if ref else ""


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
    if bound := _erp_binding(customer, integration.erp):
        return CustomerChoice(bound)
    if customer.is_guest and integration.guest_policy == GuestPolicy.DEFAULT:
        return _default_customer(integration, "The buyer is a guest")
    if customer.is_guest and integration.guest_policy == GuestPolicy.ONE_TIME:
        choice = _default_customer(integration, "The buyer is a guest (one-time customer)")
        return CustomerChoice(choice.number, one_time=True)

    decided = (
        CustomerConflict.objects.filter(customer=customer, erp=integration.erp, status=ConflictStatus.RESOLVED)
        .order_by("-resolved_at")
        .first()
    )
    if decided is not None:
        if decided.resolution == Resolution.MERGE:
            return customer_bind(customer=customer, erp=integration.erp, number=decided.merged_with_no)
        if decided.resolution == Resolution.ONE_TIME:
            choice = _default_customer(integration, "The accountant chose a one-time customer")
            return CustomerChoice(choice.number, one_time=True)
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
        policy, situation = integration.policy_no_similar, "No similar customer exists in the ERP"
    elif len(candidates) == 1:
        policy, situation = integration.policy_one_similar, "One similar customer exists in the ERP"
    else:
        # Several candidates: only a person can pick; merging would be a guess.
        policy = (
            CustomerPolicy.ASK
            if integration.policy_one_similar == CustomerPolicy.MERGE
            else (integration.policy_one_similar)
        )
        situation = f"{len(candidates)} similar customers exist in the ERP"

    if policy == CustomerPolicy.ADD_NEW:
        return customer_create(customer=customer, integration=integration, erp=erp)
    if policy == CustomerPolicy.MERGE:
        return customer_bind(customer=customer, erp=integration.erp, number=candidates[0].number)
    if policy == CustomerPolicy.DEFAULT:
        return _default_customer(integration, situation)
    conflict_open(customer=customer, erp=integration.erp, reason=situation, candidates=candidates)
    raise ConflictPending(f"{situation}: {customer} waits for a decision (add new / merge / one-time).")


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
        content_type=_ct(customer),
        object_id=customer.pk,
        defaults={"external_id": number, "shared": True},
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
    transfer = transfer_ensure(connection=integration.erp, obj=customer, kind=TransferKind.CUSTOMER)
    if transfer.state == TransferState.SENT and transfer.remote_id:
        return customer_bind(customer=customer, erp=integration.erp, number=transfer.remote_id)
    if transfer.state in (TransferState.NEEDS_ATTENTION, TransferState.CONFLICT):
        # The order was resent: its customer is tried again with it.
        transfer.move_to(TransferState.PENDING)
        transfer.save(update_fields=["state", "updated_at"])
    Transfer.objects.filter(pk=transfer.pk, state__in=CLAIMABLE).update(next_attempt_at=timezone.now())
    if transfer_process(transfer_id=transfer.pk) is None:
        raise RetryableError(
            _("Customer %(customer)s is being created in the ERP by another worker.") % {"customer": customer},
            hint=_("Retried automatically in a moment."),
        )
    transfer.refresh_from_db()
    if transfer.state == TransferState.SENT:
        return CustomerChoice(transfer.remote_id)
    message = _("Customer %(customer)s could not be created in the ERP yet: %(error)s") % {
        "customer": customer,
        "error": transfer.last_error,
    }
    if transfer.error_source == ErrorSource.CREDENTIALS:
        raise AuthError(transfer.last_error, hint=transfer.last_hint)
    if transfer.state == TransferState.NEEDS_ATTENTION:
        raise PermanentError(message, hint=transfer.last_hint)
    raise RetryableError(message, hint=_("The order is sent once its customer exists in the ERP."))


@handles(TransferKind.CUSTOMER)
def customer_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Create one customer in the ERP, exactly once (S3, C1-C3)."""
    customer = Customer.objects.get(pk=transfer.object_id)
    if bound := _erp_binding(customer, transfer.connection):
        return AttemptOutcome.FOUND, bound
    erp: ErpConnector = connector_for(transfer.connection)  # type: ignore[assignment]
    number = transfer_lookup(transfer, lookup=lambda: _customer_lookup(customer=customer, erp=erp))
    outcome = AttemptOutcome.FOUND
    if not number:
        record = _customer_record(customer)
        log.request_excerpt = f"name={record.company or customer.full_name} email={record.email}"
        with remote_create(transfer):
            number = erp.create_customer(record)
        outcome = AttemptOutcome.SENT
    customer_bind(customer=customer, erp=transfer.connection, number=number)
    return outcome, number


def _customer_lookup(*, customer: Customer, erp: ErpConnector) -> str | None:
    """The ERP customer an earlier, unsettled create made: the one with the buyer's e-mail."""
    same = [
        c
        for c in erp.search_customers(email=customer.email, name=customer.display_name, org_no="")
        if c.email.lower() == customer.email.lower()
    ]
    if len(same) > 1:
        raise PermanentError(
            f"{len(same)} ERP customers have the e-mail {customer.email}; an earlier attempt may have created "
            "one of them.",
            hint="Put the right ERP customer number on the customer card, then resend the order.",
        )
    return same[0].number if same else None


def items_resolve(*, order: Order, integration: Integration, erp: ErpConnector) -> tuple[dict[int, str], list[Problem]]:
    """Each line's ERP item: variant/product reference -> product code in the ERP -> default item (V2, R4)."""
    numbers: dict[int, str] = {}
    problems: list[Problem] = []
    for line in order.lines.all():
        number = line.reference or (line.product.reference if line.product else "")
        if not number and line.is_service:
            number = integration.service_item_map.get(line.name, "")
        if not number and line.sku and not line.is_service:
            item = erp.find_item(line.sku)
            number = item.number if item is not None and item.active else ""
        number = number or integration.default_item_no
        if number:
            numbers[line.pk] = number
        else:
            problems.append(line_item_problem(line))
    return numbers, problems


def order_refresh(*, order: Order, shop: ShopConnector) -> Order:
    """Read the order afresh from the shop (a retry never replays stale data)."""
    ref = ExternalRef.objects.filter(connection=order.shop, content_type=_ct(Order), object_id=order.pk).first()
    if ref is None:
        return order
    return order_upsert(shop=order.shop, record=shop.fetch_order(ref.external_id)).order


def order_load(order_id: int) -> Order:
    return (
        Order.objects.select_related("shop", "customer", "shop__integration")
        .prefetch_related("lines__product", "addresses", "discounts")
        .get(pk=order_id)
    )


@handles(TransferKind.SALES_ORDER)
def order_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Send one order to the ERP as a sales order, exactly once (V1-V5, S7, S8)."""
    order = order_load(transfer.object_id)
    if order.erp_order_no:
        return AttemptOutcome.FOUND, order.erp_order_no
    integration = order.shop.integration
    erp: ErpConnector = connector_for(transfer.connection)  # type: ignore[assignment]

    found = transfer_lookup(transfer, lookup=lambda: erp.find_sales_order(order.number, since=transfer.created_at))
    if found:
        order_bind(order=order, number=found)
        return AttemptOutcome.FOUND, found
    if transfer.tries > 1:
        with speaking_to(order.shop):
            order = order_refresh(order=order, shop=connector_for(order.shop))  # type: ignore[arg-type]
        order = order_load(order.pk)

    problems = validate_order(order, integration=integration)
    if problems:
        raise MappingError(problems)
    item_numbers, problems = items_resolve(order=order, integration=integration, erp=erp)
    if problems:
        raise MappingError(problems)
    choice = customer_resolve(order=order, integration=integration, erp=erp)
    record, problems = sales_order_build(
        order,
        integration=integration,
        item_numbers=item_numbers,
        customer_no=choice.number,
        one_time=choice.one_time,
    )
    if problems:
        raise MappingError(problems)

    log.request_excerpt = _excerpt(record)
    try:
        with remote_create(transfer):
            number = erp.create_sales_order(record)
    except PermanentError as exc:
        exc.hint = (
            remote_error_hint(exc.code, exc.subject, order=order, integration=integration, record=record) or exc.hint
        )
        raise
    order_bind(order=order, number=number)
    return AttemptOutcome.SENT, number


def order_bind(*, order: Order, number: str) -> None:
    """Store the ERP number on the order in its own short transaction (V4, S9), then
    queue the write-back to the shop."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        locked.set_erp_order_no(number)
        locked.save(update_fields=["erp_order_no", "updated_at"])
        order.erp_order_no = number
        status = transfer_ensure(connection=order.shop, obj=order, kind=TransferKind.ORDER_STATUS)
        enqueue("connectors.tasks.process_transfer", status.pk)


@handles(TransferKind.ORDER_STATUS)
def order_status_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Write the ERP order number (and the mapped status, S11) back to the shop (V4, S9)."""
    order = Order.objects.select_related("shop").get(pk=transfer.object_id)
    ref = ExternalRef.objects.get(connection=order.shop, content_type=_ct(Order), object_id=order.pk)
    shop: ShopConnector = connector_for(order.shop)  # type: ignore[assignment]
    wanted = order.shop.integration.status_map.get(order.erp_status) if order.erp_status else None
    comment = f"ERP order {order.erp_order_no}" if order.erp_order_no else ""
    if wanted:
        comment = f"{comment} ({order.erp_status})".strip()
    # A status comment is created in the shop: a lost answer is settled by reading the order's history.
    already = transfer_lookup(
        transfer,
        lookup=lambda: comment if shop.order_status_pushed(ref.external_id, status=wanted, comment=comment) else None,
    )
    if not already:
        with remote_create(transfer):
            shop.push_order_status(ref.external_id, status=wanted, comment=comment)
    if wanted:
        Order.objects.filter(pk=order.pk).update(shop_status=wanted)
    return AttemptOutcome.SENT, order.erp_order_no


@handles(TransferKind.PRICE)
def price_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Push a product's current sale price (excl. VAT) to the shop (R7); read at send time."""
    product = Product.objects.get(pk=transfer.object_id)
    shop: ShopConnector = connector_for(transfer.connection)  # type: ignore[assignment]
    shop.push_prices([PriceRecord(sku=product.sku, price_excl_vat=product.price_excl_vat)])
    log.request_excerpt = f"{product.sku}={product.price_excl_vat}"
    return AttemptOutcome.SENT, log.request_excerpt


@handles(TransferKind.STOCK)
def stock_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Push a product's current main-warehouse quantity to the shop (R7, S10); read at send time."""
    product = Product.objects.select_related("shop__integration").get(pk=transfer.object_id)
    code = product.shop.integration.warehouse_code or "MAIN"
    level = StockLevel.objects.filter(product=product, warehouse__code=code).first()
    quantity = level.physical if level else Decimal("0")
    shop: ShopConnector = connector_for(transfer.connection)  # type: ignore[assignment]
    shop.push_stock([StockRecord(sku=product.sku, quantity=quantity, warehouse=code)])
    log.request_excerpt = f"{product.sku}={quantity}"
    return AttemptOutcome.SENT, f"{product.sku}={quantity}"


def _excerpt(record) -> str:
    lines = "; ".join(f"{li.quantity}×{li.item_no} {li.amount}" for li in record.lines)
    return f"customer={record.customer_no} ext={record.external_order_no} total={record.total_incl_vat} lines=[{lines}]"


def conflict_resolve(*, conflict: CustomerConflict, resolution: str, user) -> list[int]:
    """Record an accountant's decision and release the customer's waiting orders (C4).

    Returns the ids of the transfers queued again.
    """
    if resolution == Resolution.MERGE and not conflict.similar_no:
        raise ValueError("Merge needs exactly one similar customer; choose 'add new' or 'one-time'.")
    with transaction.atomic():
        conflict.mark_resolved(
            resolution=resolution,
            user=user,
            merged_with_no=(conflict.similar_no if resolution == Resolution.MERGE else ""),
        )
        conflict.save()
        waiting = Transfer.objects.filter(
            connection=conflict.erp,
            kind=TransferKind.SALES_ORDER,
            state=TransferState.CONFLICT,
            content_type=_ct(Order),
            object_id__in=Order.objects.filter(customer=conflict.customer).values("pk"),
        ).values_list("pk", flat=True)
        return transfer_resend(transfer_ids=list(waiting)).queued
