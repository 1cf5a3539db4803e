"""The catalogue both ways (S1, S2, S4-S6, S12, R7): products made, changed, renamed and retired.

Shop pull: each product read from the shop updates the mirror with the fields
the shop changed (and may change), binding it by the shop's id, so a renamed
SKU follows the product; with ``products_to_erp`` a PRODUCT transfer to the
ERP follows when there is something the ERP has not seen.

ERP items pull: each item changed in the ERP (found by its binding, which
follows the ERP's internal id through a change of item number) updates the
mirror of every shop the ERP serves; a changed sale price goes to the shop
(R7), and with ``products_to_shop`` other changes, renames and deactivation
go as a PRODUCT transfer, and an item no shop product has becomes a new shop
product.

A PRODUCT transfer sends, when it runs, the fields that side has not seen;
creating is exactly once (looked up by SKU or item number first) and binds at once.
"""

from __future__ import annotations

import dataclasses
import logging
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from inventory.models import Product, ProductAlias, StockLevel, Warehouse

from .. import catalogue, validation
from ..base import Capability, ErpConnector, ShopConnector
from ..bindings import bind_to, binding_of, ct
from ..catalogue import ERP, SHOP
from ..models import AttemptOutcome, Connection, ExternalRef, Integration, Role, SyncRun, Transfer, TransferKind
from ..pipeline import vat_key
from ..pulls import pull_stream
from ..records import ItemRecord, ProductRecord
from ..services import erp_connector, shop_connector
from ..transfers import AttemptLog, handles, remote_create, transfer_lookup, transfer_queue
from .batches import batch_enqueue, batchable

logger = logging.getLogger("connectors.engine")


# --- from the shop ---------------------------------------------------------------


def shop_pull_products(*, connection: Connection) -> SyncRun:
    """Import products changed in the shop since the cursor (S1, S6)."""
    shop = shop_connector(connection)
    integration = Integration.objects.filter(shop=connection).select_related("erp").first()
    return pull_stream(
        connection=connection,
        stream="products",
        pull=shop.pull_products,
        store=lambda r: product_from_shop(
            shop=connection, record=r, fields=shop.product_fields, integration=integration
        ),
        stamp=lambda r: r.updated_at,
        check=validation.check_product,
        label=lambda r: _("product %(sku)s") % {"sku": r.sku},
    )


def product_find(*, shop: Connection, sku: str = "", number: str = "") -> Product | None:
    """A shop's product by SKU or ERP item number, also as it was called before a rename.

    In this order of preference: the SKU, the ERP item number, a former SKU, a former number. One
    query for the products and one for the former names (every imported record not yet bound asks,
    so a 100 000-product catalogue asks 100 000 times)."""
    keys = [(field, value) for field, value in (("sku", sku), ("reference", number)) if value]
    if not keys:
        return None
    either = Q()
    for field, value in keys:
        either |= Q(**{field: value})
    found = list(Product.objects.filter(either, shop=shop).order_by("sku", "pk"))
    for field, value in keys:
        if match := next((p for p in found if getattr(p, field) == value), None):
            return match
    former = Q()
    for field, value in keys:
        former |= Q(kind="sku" if field == "sku" else "number", value=value)
    aliases = list(ProductAlias.objects.filter(former, product__shop=shop).select_related("product").order_by("pk"))
    for field, value in keys:
        kind = "sku" if field == "sku" else "number"
        if alias := next((a for a in aliases if a.kind == kind and a.value == value), None):
            return alias.product
    return None


def product_from_shop(
    *, shop: Connection, record: ProductRecord, fields: frozenset[str], integration: Integration | None
) -> tuple[bool, bool]:
    """Mirror one shop product; return (changed, queued for the ERP)."""
    ref = ExternalRef.objects.filter(connection=shop, content_type=ct(Product), external_id=record.external_id).first()
    product = Product.objects.filter(pk=ref.object_id).first() if ref else None
    product = product or product_find(shop=shop, sku=record.sku, number=record.reference)
    incoming = catalogue.shop_values(record, fields or _DEFAULT_SHOP_FIELDS)
    masters = integration.field_masters if integration else {}
    created = product is None
    if product is None:
        product = Product(shop=shop, sku=record.sku, name=record.name)
        changes = dict(incoming)
    else:
        seen = ref.synced if ref is not None and ref.object_id == product.pk else {}
        changes = catalogue.adopt(
            mirror=catalogue.mirror_values(product), incoming=incoming, seen=seen, side=SHOP, masters=masters
        )
    _remember_names(product, changes)
    catalogue.apply(product, changes)
    if product.is_service != record.is_service:
        product.is_service = record.is_service
        changes["is_service"] = "1" if record.is_service else "0"
    if changes:
        product.save()
    if created and record.stock is not None and integration is not None and integration.send_stock_on_create:
        # S4: the shop's stock goes with the ERP item when it is created (only then).
        code = integration.warehouse_code or "MAIN"
        warehouse, _made = Warehouse.objects.get_or_create(code=code, defaults={"name": code})
        StockLevel.objects.get_or_create(product=product, warehouse=warehouse, defaults={"physical": record.stock})
    if record.external_id:
        bind_to(shop, product, record.external_id, synced=incoming, remote_updated_at=record.updated_at, new=created)
    queued = False
    if (
        integration is not None
        and integration.products_to_erp
        and (changes or binding_of(integration.erp, product) is None)
    ):
        transfer_queue(connection=integration.erp, obj=product, kind=TransferKind.PRODUCT)
        queued = True
    return bool(changes), queued


# Platforms that declare no product fields: what the old shop pull always mirrored.
_DEFAULT_SHOP_FIELDS = frozenset({"number", "sku", "name", "ean", "price_excl_vat", "weight", "active"})


def _remember_names(product: Product, changes: dict[str, str]) -> None:
    """Keep the SKU and item number a product is about to lose, so old orders still find it."""
    if product.pk is None:
        return
    if "sku" in changes and product.sku and product.sku != changes["sku"]:
        ProductAlias.objects.create(product=product, kind="sku", value=product.sku)
    if "number" in changes and product.reference and product.reference != changes["number"]:
        ProductAlias.objects.create(product=product, kind="number", value=product.reference)


# --- from the ERP --------------------------------------------------------------


def erp_pull_items(*, connection: Connection) -> SyncRun:
    """Items created, changed, renamed or retired in the ERP since the cursor, into every shop
    the ERP serves (S2, S5, R7)."""
    erp = erp_connector(connection)
    integrations = list(Integration.objects.filter(erp=connection, enabled=True).select_related("shop"))
    shops = {i.pk: shop_connector(i.shop) for i in integrations}

    def store(item: ItemRecord) -> tuple[bool, bool]:
        changed = queued = False
        for integration in integrations:
            c, q = item_into_shop(
                item=item,
                integration=integration,
                erp=erp,
                shop=shops[integration.pk],
            )
            changed, queued = changed or c, queued or q
        return changed, queued

    return pull_stream(
        connection=connection,
        stream="items",
        pull=erp.changed_items,
        store=store,
        stamp=lambda r: r.updated_at,
        key=lambda r: r.internal_id or r.number,
        label=lambda r: _("item %(number)s") % {"number": r.number},
    )


def item_into_shop(
    *, item: ItemRecord, integration: Integration, erp: ErpConnector, shop: ShopConnector
) -> tuple[bool, bool]:
    """One ERP item into one shop's mirror; queue what the shop must hear. Returns (changed, queued)."""
    key = item.internal_id or item.number
    product = Product.objects.filter(
        shop=integration.shop,
        pk__in=ExternalRef.objects.filter(connection=integration.erp, content_type=ct(Product), external_id=key).values(
            "object_id"
        ),
    ).first()
    product = product or product_find(shop=integration.shop, number=item.number, sku=item.number)
    vat_rates = {code: rate for rate, code in integration.vat_map.items()}
    incoming = catalogue.erp_values(item, erp.product_fields or {"number", "name", "price_excl_vat", "active"},
                                    vat_rates=vat_rates)  # fmt: skip
    if product is None:
        return _new_from_erp(item=item, integration=integration, shop=shop, key=key, incoming=incoming)
    ref = binding_of(integration.erp, product)
    seen = ref.synced if ref is not None and ref.external_id == key else {}
    mirror = catalogue.mirror_values(product)
    changes = catalogue.adopt(mirror=mirror, incoming=incoming, seen=seen, side=ERP, masters=integration.field_masters)
    if "number" in changes and shop.sku_is_item_number and product.sku == mirror["number"]:
        changes["sku"] = changes["number"]  # the shop's SKU is the item number: it is renamed with it
    _remember_names(product, changes)
    catalogue.apply(product, changes)
    if changes:
        product.save()
    bind_to(integration.erp, product, key, synced={**seen, **incoming}, shared=True, remote_updated_at=item.updated_at)
    queued = False
    if "price_excl_vat" in changes and Capability.PUSH_PRICES in shop.capabilities:
        batched = batchable(integration.shop, TransferKind.PRICE)
        transfer_queue(connection=integration.shop, obj=product, kind=TransferKind.PRICE, task=not batched)  # R7
        if batched:
            batch_enqueue(connection=integration.shop)
        queued = True
    if set(changes) - {"price_excl_vat"} and integration.products_to_shop:
        if Capability.UPDATE_PRODUCTS in shop.capabilities:
            transfer_queue(connection=integration.shop, obj=product, kind=TransferKind.PRODUCT)
            queued = True
        else:
            logger.info("%s cannot update products; %s changes stay in the mirror", integration.shop, product.sku)
    return bool(changes), queued


def _new_from_erp(
    *, item: ItemRecord, integration: Integration, shop: ShopConnector, key: str, incoming: dict[str, str]
) -> tuple[bool, bool]:
    """An item no product of the shop has: a new shop product (S5), when the integration says so."""
    if not (integration.products_to_shop and item.active):
        return False, False
    if Capability.CREATE_PRODUCTS not in shop.capabilities:
        logger.info("%s cannot create products; ERP item %s not created there", integration.shop, item.number)
        return False, False
    product = Product(shop=integration.shop, sku=item.number, name=item.description, is_service=item.is_service)
    catalogue.apply(product, {**incoming, "active": "1" if integration.new_product_active else "0"})
    product.save()
    bind_to(integration.erp, product, key, synced=incoming, shared=True, remote_updated_at=item.updated_at, new=True)
    transfer_queue(connection=integration.shop, obj=product, kind=TransferKind.PRODUCT)
    return True, True


# --- the PRODUCT transfer: to the ERP or to the shop ---------------------------------------


@handles(TransferKind.PRODUCT)
def product_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Create or update one product on the transfer's side with what that side has not seen."""
    product = Product.objects.select_related("shop__integration").get(pk=transfer.object_id)
    integration = Integration.objects.get(shop_id=product.shop_id)
    if transfer.connection.role == Role.ERP:
        return _to_erp(transfer, log, product=product, integration=integration)
    return _to_shop(transfer, log, product=product, integration=integration)


def _to_erp(transfer: Transfer, log: AttemptLog, *, product: Product, integration: Integration) -> tuple[str, str]:
    erp = erp_connector(transfer.connection)
    mirror = catalogue.mirror_values(product)
    vat_code = integration.vat_map.get(vat_key(product.vat_rate), "")
    vat_rates = {code: rate for rate, code in integration.vat_map.items()}
    fields = erp.product_fields - ({"purchase_price"} if integration.erp_keeps_suppliers else set())
    ref = binding_of(transfer.connection, product)
    if ref is None:
        found: list[ItemRecord] = []

        def lookup() -> str | None:
            item = erp.find_item(mirror["number"])
            found.extend([item] if item else [])
            return (item.internal_id or item.number) if item else None

        # Guarded: the ERP updates an item sent again by its number (Specter's force update).
        guarded = TransferKind.PRODUCT in erp.guarded_creates
        key = None if guarded else transfer_lookup(transfer, lookup=lookup, always=True)
        if key is None:
            stock = _stock_of(product) if integration.send_stock_on_create else None
            record = catalogue.item_record(product, vat_code=vat_code, stock=stock)
            if integration.erp_keeps_suppliers:
                # S4: the ERP computes its purchase price from its suppliers.
                record = dataclasses.replace(record, purchase_price=None)
            log.request_excerpt = f"create item {record.number}: {record.description}"
            with remote_create(transfer, guarded=guarded):
                created = erp.create_item(record)
            sent = catalogue.erp_values(record, fields, vat_rates=vat_rates)
            bind_to(transfer.connection, product, created.internal_id or created.number, synced=sent, shared=True)
            return AttemptOutcome.SENT, created.number
        ref = bind_to(
            transfer.connection, product, key, synced=catalogue.erp_values(found[0], fields, vat_rates=vat_rates),
            shared=True,
        )  # fmt: skip
    diff = catalogue.outgoing(mirror=mirror, seen=ref.synced, fields=fields, to=ERP, masters=integration.field_masters)
    if not diff:
        return AttemptOutcome.FOUND, mirror["number"]
    log.request_excerpt = f"update item {ref.external_id}: {', '.join(sorted(diff))}"
    record = catalogue.item_record(product, vat_code=vat_code, internal_id=ref.external_id)
    if "number" in diff:
        record = dataclasses.replace(record, previous_number=ref.synced.get("number", ""))
    erp.update_item(ref.external_id, record, fields=frozenset(diff))
    ExternalRef.objects.filter(pk=ref.pk).update(synced={**ref.synced, **diff})
    return AttemptOutcome.SENT, mirror["number"]


def _to_shop(transfer: Transfer, log: AttemptLog, *, product: Product, integration: Integration) -> tuple[str, str]:
    shop = shop_connector(transfer.connection)
    mirror = catalogue.mirror_values(product)
    # Prices have their own transfer (R7): not sent twice.
    fields = shop.product_fields - ({"price_excl_vat"} if Capability.PUSH_PRICES in shop.capabilities else set())
    ref = binding_of(transfer.connection, product)
    if ref is None:
        found: list[ProductRecord] = []

        def lookup() -> str | None:
            existing = shop.find_product(product.sku)
            found.extend([existing] if existing else [])
            return existing.external_id if existing else None

        external_id = transfer_lookup(transfer, lookup=lookup, always=True)
        if external_id is None:
            # S5: stock 0, listed, status per setting, category per setting.
            record = catalogue.product_record(product, category=integration.new_product_category)
            record = ProductRecord(**{**record.__dict__, "stock": Decimal("0"), "listed": True})
            log.request_excerpt = f"create product {record.sku}: {record.name}"
            with remote_create(transfer):
                external_id = shop.create_product(record)
            sent = catalogue.shop_values(record, shop.product_fields)
            bind_to(transfer.connection, product, external_id, synced=sent)
            return AttemptOutcome.SENT, external_id
        ref = bind_to(
            transfer.connection, product, external_id, synced=catalogue.shop_values(found[0], shop.product_fields)
        )
    diff = catalogue.outgoing(mirror=mirror, seen=ref.synced, fields=fields, to=SHOP, masters=integration.field_masters)
    if not diff:
        return AttemptOutcome.FOUND, ref.external_id
    log.request_excerpt = f"update product {ref.external_id}: {', '.join(sorted(diff))}"
    if "active" in diff:
        shop.set_product_active(ref.external_id, diff["active"] == "1")
    rest = frozenset(diff) - {"active"}
    if rest:
        shop.update_product(
            ref.external_id, catalogue.product_record(product, external_id=ref.external_id), fields=rest
        )
    ExternalRef.objects.filter(pk=ref.pk).update(synced={**ref.synced, **diff})
    return AttemptOutcome.SENT, ref.external_id


def _stock_of(product: Product) -> Decimal | None:
    level = product.stock_levels.order_by("-warehouse__is_main", "pk").first()
    return level.physical if level else None
