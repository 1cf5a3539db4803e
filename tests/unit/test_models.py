"""The domain mirror and the engine's tables keep their invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from connectors.models import ExternalRef, IllegalTransition, TransferState
from customers.models import CustomerConflict, CustomerType
from inventory.models import StockLevel
from orders.models import Order
from tests.factories import (
    CustomerFactory,
    ErpConnectionFactory,
    IntegrationFactory,
    OrderFactory,
    ProductFactory,
    ShopConnectionFactory,
    StockLevelFactory,
    TransferFactory,
)

pytestmark = pytest.mark.django_db


def test_second_external_ref_for_same_external_id_is_refused_by_the_database():
    shop = ShopConnectionFactory()
    ct = ContentType.objects.get_for_model(Order)
    first, second = OrderFactory(shop=shop), OrderFactory(shop=shop)
    ExternalRef.objects.create(connection=shop, content_type=ct, object_id=first.pk, external_id="42")
    with pytest.raises(IntegrityError), transaction.atomic():
        ExternalRef.objects.create(connection=shop, content_type=ct, object_id=second.pk, external_id="42")


def test_same_external_id_on_another_connection_is_a_different_binding():
    ct = ContentType.objects.get_for_model(Order)
    order = OrderFactory()
    ExternalRef.objects.create(connection=order.shop, content_type=ct, object_id=order.pk, external_id="42")
    other = ShopConnectionFactory()
    ExternalRef.objects.create(connection=other, content_type=ct, object_id=order.pk, external_id="42")
    assert ExternalRef.objects.filter(external_id="42").count() == 2


def test_one_local_object_binds_to_one_external_id_per_connection():
    ct = ContentType.objects.get_for_model(Order)
    order = OrderFactory()
    ExternalRef.objects.create(connection=order.shop, content_type=ct, object_id=order.pk, external_id="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ExternalRef.objects.create(connection=order.shop, content_type=ct, object_id=order.pk, external_id="2")


def test_illegal_transfer_transition_raises():
    transfer = TransferFactory()
    assert transfer.state == TransferState.PENDING
    with pytest.raises(IllegalTransition):
        transfer.move_to(TransferState.SENT)  # pending must pass through sending
    assert transfer.state == TransferState.PENDING


def test_needs_attention_cannot_jump_to_sending_without_a_resend():
    transfer = TransferFactory(state=TransferState.NEEDS_ATTENTION)
    with pytest.raises(IllegalTransition):
        transfer.move_to(TransferState.SENDING)
    transfer.move_to(TransferState.PENDING)
    transfer.move_to(TransferState.SENDING, tries=1)
    assert (transfer.state, transfer.tries) == (TransferState.SENDING, 1)


def test_a_second_transfer_of_the_same_kind_for_one_object_is_refused():
    first = TransferFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TransferFactory(connection=first.connection, content_type=first.content_type, object_id=first.object_id)


def test_order_number_is_unique_per_shop_only():
    order = OrderFactory(number="5001")
    OrderFactory(number="5001")  # another shop
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(number="5001", shop=order.shop)


def test_order_refuses_to_rebind_a_different_erp_number():
    order = OrderFactory()
    order.set_erp_order_no("SO-1")
    order.set_erp_order_no("SO-1")
    with pytest.raises(ValueError, match="already ERP order SO-1"):
        order.set_erp_order_no("SO-2")


def test_set_status_reports_whether_it_changed():
    order = OrderFactory(shop_status="pending")
    assert order.set_status("processing") is True
    assert order.set_status("processing") is False


def test_private_customer_display_name_is_first_and_last_name():
    private = CustomerFactory(first_name="Ödön", last_name="Kovács", company="Ignored AS")
    company = CustomerFactory(customer_type=CustomerType.COMPANY, company="Fjord Ålesund AS")
    assert private.display_name == "Ödön Kovács"
    assert company.display_name == "Fjord Ålesund AS"


def test_unicode_names_survive_a_round_trip():
    customer = CustomerFactory(first_name="Łucja", last_name="Øvergård-Ős")
    customer.refresh_from_db()
    assert customer.full_name == "Łucja Øvergård-Ős"


def test_r6_to_purchase_brings_free_and_incoming_back_to_the_minimum_and_is_never_negative():
    assert StockLevel.to_purchase(free=Decimal("2"), incoming=Decimal("1"), minimum=Decimal("6")) == Decimal("3")
    assert StockLevel.to_purchase(free=Decimal("50"), incoming=Decimal("0"), minimum=Decimal("6")) == Decimal("0")


def test_stock_level_is_unique_per_product_and_warehouse():
    level = StockLevelFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.create(product=level.product, warehouse=level.warehouse)


def test_product_sku_is_unique_per_shop():
    product = ProductFactory(sku="GENSER-L")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(sku="GENSER-L", shop=product.shop)


def test_only_one_open_conflict_per_customer_and_erp():
    integration = IntegrationFactory()
    customer = CustomerFactory(shop=integration.shop)
    CustomerConflict.objects.create(customer=customer, erp=integration.erp)
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerConflict.objects.create(customer=customer, erp=integration.erp)


def test_conflict_similar_no_only_when_exactly_one_candidate():
    conflict = CustomerConflict(candidates=[{"number": "10042", "name": "Ola"}])
    assert conflict.similar_no == "10042"
    conflict.candidates.append({"number": "10043", "name": "Ola N."})
    assert conflict.similar_no == ""


def test_integration_rejects_an_erp_connection_on_the_shop_side():
    from django.core.exceptions import ValidationError

    from connectors.models import Integration

    shop, erp = ShopConnectionFactory(), ErpConnectionFactory()
    integration = Integration(shop=erp, erp=shop)
    with pytest.raises(ValidationError):
        integration.clean()
