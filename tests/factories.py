"""factory-boy factories for the domain mirror and the engine's tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from connectors.models import Connection, Integration, Role, Transfer, TransferKind
from customers.models import Customer
from inventory.models import Product, StockLevel, Warehouse
from orders.models import Order, OrderAddress, OrderLine


class ShopConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    name = factory.Sequence(lambda n: f"Shop {n}")
    role = Role.SHOP
    platform = "fake_shop"
    base_url = "http://127.0.0.1:9/"
    credentials = factory.LazyFunction(lambda: {"token": "shop-secret-token"})


class ErpConnectionFactory(ShopConnectionFactory):
    name = factory.Sequence(lambda n: f"ERP {n}")
    role = Role.ERP
    platform = "fake_erp"
    credentials = factory.LazyFunction(lambda: {"client_secret": "erp-secret-value"})


class IntegrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Integration

    shop = factory.SubFactory(ShopConnectionFactory)
    erp = factory.SubFactory(ErpConnectionFactory)
    transfer_statuses = factory.LazyFunction(lambda: ["processing"])
    default_item_no = "OTHER"
    shipping_item_no = "FREIGHT"
    default_customer_no = "WEB"
    payment_method_map = factory.LazyFunction(lambda: {"klarna": "KL", "invoice": "INV"})
    shipping_method_map = factory.LazyFunction(lambda: {"flatrate": "POST"})
    vat_map = factory.LazyFunction(lambda: {"25": "HIGH", "15": "MED", "12": "LOW", "0": "ZERO"})


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    shop = factory.SubFactory(ShopConnectionFactory)
    first_name = "Åse"
    last_name = factory.Sequence(lambda n: f"Bjørnstad{n}")
    email = factory.Sequence(lambda n: f"buyer{n}@example.no")
    billing_street = "Storgata 1"
    billing_postcode = "0155"
    billing_city = "Oslo"
    billing_country = "NO"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    shop = factory.SubFactory(ShopConnectionFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    reference = factory.Sequence(lambda n: f"ITEM{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    price_excl_vat = Decimal("100.00")
    vat_rate = Decimal("25")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"WH{n}")
    name = factory.Sequence(lambda n: f"Warehouse {n}")


class StockLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLevel

    product = factory.SubFactory(ProductFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    physical = Decimal("10")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    shop = factory.SubFactory(ShopConnectionFactory)
    number = factory.Sequence(lambda n: f"1000{n:05d}")
    shop_status = "processing"
    customer = factory.SubFactory(CustomerFactory, shop=factory.SelfAttribute("..shop"))
    currency = "NOK"
    placed_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=5))
    payment_method = "klarna"
    shipping_method = "flatrate"
    email = factory.SelfAttribute("customer.email")
    grand_total = Decimal("125.00")


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    position = factory.Sequence(lambda n: n)
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    reference = factory.Sequence(lambda n: f"ITEM{n}")
    name = "Genser"
    quantity = Decimal("1")
    unit_price_excl_vat = Decimal("100.00")
    vat_rate = Decimal("25")


class OrderAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderAddress

    order = factory.SubFactory(OrderFactory)
    kind = "delivery"
    first_name = "Łukasz"
    last_name = "Kowalski"
    street = "Kraków 5"
    postcode = "30-001"
    city = "Kraków"
    country = "PL"


class TransferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transfer

    connection = factory.SubFactory(ErpConnectionFactory)
    kind = TransferKind.SALES_ORDER
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(Order))
    object_id = factory.LazyFunction(lambda: OrderFactory().pk)
