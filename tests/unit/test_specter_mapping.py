"""Specter mapping: the exact form rows sent (S3, S4, S7, S8, S12) and the answers read (S2, S5,
S10, S11), in the shapes of Specter's public client (Prestaworks' PrestaShop connector)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from urllib.parse import parse_qsl

from connectors.platforms.specter import answers, mapping
from connectors.records import AddressRecord, CustomerRecord, ItemRecord, SalesOrderLineRecord, SalesOrderRecord

HOME = AddressRecord(street="Storgatan 1", postcode="111 22", city="Stockholm", country="se")
DOOR = AddressRecord(
    first_name="Åsa", last_name="Öberg", company="Öberg & Dotter AB", street="Hamngatan 4", postcode="41104",
    city="Göteborg", country="SE",
)  # fmt: skip


def test_s3_a_private_customer_is_sent_with_every_card_field():
    customer = CustomerRecord(
        customer_type="P", first_name="Åsa", last_name="Öberg", language="sv", email="asa@example.se",
        phone="08-123 45", fax="08-123 46", mobile="070-111 22 33", org_no="19800101-1234", billing=HOME, delivery=DOOR,
    )  # fmt: skip
    assert mapping.customer_fields(customer, currency="SEK") == [
        ("currency", "SEK"),
        ("language", "SE"),
        ("firstName", "Åsa"),
        ("surName", "Öberg"),
        ("contactPerson", "Åsa Öberg"),
        ("customerOrganizationalForm", "P"),
        ("orgNo", "19800101-1234"),
        ("address", "Storgatan 1"),
        ("zipCodeEng", "111 22"),
        ("city", "Stockholm"),
        ("countryCode", "SE"),
        ("deliveryCompanyName", "Öberg & Dotter AB"),
        ("deliveryAddress", "Hamngatan 4"),
        ("deliveryZipCodeEng", "41104"),
        ("deliveryCity", "Göteborg"),
        ("deliveryCountryCode", "SE"),
        ("emailAddress", "asa@example.se"),
        ("phoneNo", "08-123 45"),
        ("faxNo", "08-123 46"),
        ("mobileNo", "070-111 22 33"),
    ]


def test_s3_a_company_is_type_c_with_its_name_attention_and_invoice_company():
    customer = CustomerRecord(
        customer_type="C", first_name="Per", last_name="Lind", company="Lind Bygg AB", org_no="556677-8899",
        language="en", email="per@lindbygg.se", billing=HOME,
    )  # fmt: skip
    fields = dict(mapping.customer_fields(customer, currency="EUR"))
    assert fields["name"] == "Lind Bygg AB" and fields["attention"] == "Per Lind"
    assert fields["invoiceCompanyName"] == "Lind Bygg AB" and fields["customerOrganizationalForm"] == "C"
    assert fields["language"] == "EN" and fields["currency"] == "EUR" and fields["orgNo"] == "556677-8899"
    assert "firstName" not in fields
    # The check key's subject for a customer is its name.
    assert mapping.customer_name(customer) == "Lind Bygg AB"


def item(**overrides) -> ItemRecord:
    fields = dict(
        number="TRÖJA-1", description="Tröja  blå ", price_excl_vat=Decimal("399"), vat_rate=Decimal("25"),
        ean="7350012345678", weight=Decimal("0.35"), purchase_price=Decimal("120.5"),
    )  # fmt: skip
    fields.update(overrides)
    return ItemRecord(**fields)


def test_s4_a_new_article_is_sent_with_its_fields_and_stock_only_when_given():
    assert mapping.article_fields([item(stock=Decimal("12"))]) == [
        ("forceArticleUpdate", "1"),
        ("addSupplier", "0"),
        ("articleNo_1", "TRÖJA-1"),
        ("name_1", "Tröja  blå "),
        ("priceExclVAT_1", "399.00"),
        ("vatPercent_1", "25"),
        ("barCode_1", "7350012345678"),
        ("buyPrice_1", "120.50"),
        ("stockPrice_1", "120.50"),
        ("productWeight_1", "0.350"),
        ("createArticleStock_1", "1"),
        ("noItemsInStock_1", "12"),
    ]
    without = dict(mapping.article_fields([item(purchase_price=None)]))
    assert "buyPrice_1" not in without and "noItemsInStock_1" not in without


def test_s4_an_update_sends_only_what_changed_and_a_rename_names_the_article_by_its_old_number():
    renamed = item(number="TROJA-2", previous_number="TRÖJA-1")
    assert mapping.article_fields([renamed], fields=frozenset({"number", "price_excl_vat"})) == [
        ("forceArticleUpdate", "1"),
        ("addSupplier", "0"),
        ("articleNo_1", "TRÖJA-1"),
        ("newArticleNo_1", "TROJA-2"),
        ("priceExclVAT_1", "399.00"),
    ]


def test_s12_no_supplier_field_or_price_list_goes_to_specter():
    sent = dict(mapping.article_fields([item(stock=Decimal("1"))]))
    assert sent["addSupplier"] == "0"
    assert not [k for k in sent if k.startswith(("supplier", "priceList", "parent", "variant"))]


def test_the_body_is_iso_8859_1_with_characters_outside_it_reduced():
    body = mapping.form_body([("name", "Åsa  Öberg"), ("city", "Łódź"), ("note", "Ω"), ("empty", "")])
    assert body == b"name=%C5sa+%D6berg&city=L%F3dz&note=%3F"  # ó is in ISO-8859-1, Ł and ź are not
    assert parse_qsl(body.decode(), encoding="iso-8859-1") == [("name", "Åsa Öberg"), ("city", "Lódz"), ("note", "?")]


def test_the_check_key_is_md5_of_user_key_account_and_subject_and_wrapped_by_the_integration_key():
    inner = hashlib.md5("key4711Åsa Öberg".encode("iso-8859-1")).hexdigest()
    assert mapping.check_key(user_key="key", sbm_id="4711", subject="Åsa  Öberg") == inner
    wrapped = hashlib.md5(("ik" + inner).encode()).hexdigest()
    assert mapping.check_key(user_key="key", sbm_id="4711", subject="Åsa Öberg", integration_key="ik") == wrapped


def order(**overrides) -> SalesOrderRecord:
    fields = dict(
        customer_no="1001",
        external_order_no="10045",
        order_date=dt.date(2026, 12, 3),
        currency="SEK",
        language="sv",
        customer_type="C",
        customer_first_name="Åsa",
        customer_last_name="Öberg",
        customer_company="Öberg & Dotter AB",
        customer_name="Öberg & Dotter AB",
        org_no="556000-1111",
        payment_method_code="KG",
        payment_reference="KL-778899",
        shipping_method_code="PN",
        public_comment="10045 Lämna vid dörren",
        internal_comment="10045",
        customer_reference="Inköp 17",
        shop_email="butik@example.se",
        send_confirmation=True,
        delivery=DOOR,
        lines=(
            SalesOrderLineRecord(
                item_no="MUGG-01", description="Kaffemugg", quantity=Decimal("3"), unit_price=Decimal("79.20"),
                vat_rate=Decimal("25"), vat_code="25", discount_percent=Decimal("10"), amount=Decimal("213.84"),
            ),
            SalesOrderLineRecord(
                item_no="FRAKT", description="PostNord", quantity=Decimal("1"), unit_price=Decimal("49"),
                vat_rate=Decimal("25"), vat_code="25", amount=Decimal("49"),
            ),
            SalesOrderLineRecord(
                item_no="RABATT", description="Rabatt (25 % moms)", quantity=Decimal("1"),
                unit_price=Decimal("-40.00"), vat_rate=Decimal("25"), vat_code="25", amount=Decimal("-40.00"),
            ),
        ),
        total_incl_vat=Decimal("278.55"),
    )  # fmt: skip
    fields.update(overrides)
    return SalesOrderRecord(**fields)


def test_s7_the_order_carries_every_field_and_its_rows():
    assert mapping.order_fields(order(), stock_site="2") == [
        ("customerId", "1001"),
        ("externalOrderNo", "10045"),
        ("currency", "SEK"),
        ("language", "SE"),
        ("orderDate", "2026-12-03"),
        ("customerOrganizationalForm", "C"),
        ("firstName", "Åsa"),
        ("surName", "Öberg"),
        ("name", "Öberg & Dotter AB"),
        ("orgNo", "556000-1111"),
        ("payTypeIdentifier", "KG"),
        ("payTypeReference", "KL-778899"),
        ("externalDeliveryMethod", "PN"),
        ("publishedComment", "10045 Lämna vid dörren"),
        ("internalComment", "10045"),
        ("customerOrderReference", "Inköp 17"),
        ("deliveryCompanyName", "Öberg & Dotter AB"),
        ("deliveryAttention", "Åsa Öberg"),
        ("deliveryAddress", "Hamngatan 4"),
        ("deliveryZipCodeEng", "41104"),
        ("deliveryCity", "Göteborg"),
        ("deliveryCountryCode", "SE"),
        ("webshopEmail", "butik@example.se"),
        ("sendOrderMail", "1"),
        ("sendOrderMailToUser", "0"),
        ("userSource", "webuser"),
        ("stocksiteid", "2"),
        ("articleNo_1", "MUGG-01"),
        ("articleName_1", "Kaffemugg"),
        ("priceExclVAT_1", "71.28"),
        ("noOfItems_1", "3"),
        ("vatPercent_1", "25"),
        ("articleComment_1", "Discount 10 %"),
        ("articleNo_2", "FRAKT"),
        ("articleName_2", "PostNord"),
        ("priceExclVAT_2", "49"),
        ("noOfItems_2", "1"),
        ("vatPercent_2", "25"),
        ("articleNo_3", "RABATT"),
        ("articleName_3", "Rabatt (25 % moms)"),
        ("priceExclVAT_3", "-40"),
        ("noOfItems_3", "1"),
        ("vatPercent_3", "25"),
    ]


def test_s7_a_private_persons_company_name_is_their_first_and_last_name():
    fields = dict(mapping.order_fields(order(customer_type="P", customer_company="", customer_name="Åsa Öberg")))
    assert fields["name"] == "Åsa Öberg" and fields["customerOrganizationalForm"] == "P"
    assert "ignoreExternalOrderNoControl" not in fields


def test_s8_a_spread_percentage_is_in_each_rows_price_and_named_in_its_comment():
    rows = dict(mapping.row_fields(1, order().lines[0]))
    # 3 × 79.20 less 10 % = 213.84: the row's price is 71.28 each.
    assert rows["priceExclVAT_1"] == "71.28" and rows["articleComment_1"] == "Discount 10 %"
    assert Decimal(rows["priceExclVAT_1"]) * 3 == Decimal("213.84")


def test_write_answers_are_read_from_result_id_message():
    assert answers.parse_write_answer("1;5001;Order created") == answers.WriteAnswer(
        ok=True, id="5001", message="Order created", raw="1;5001;Order created"
    )
    refusal = answers.parse_write_answer("0;0;externalOrderNo 10045 already exists; see order")
    assert not refusal.ok and refusal.message == "externalOrderNo 10045 already exists; see order"
    assert answers.classify_refusal(refusal.message, action="newOrderSubmit") == ("duplicate_order", "")
    assert answers.classify_refusal("Incorrect key", action="newOrderSubmit") == ("credentials", "")
    assert answers.classify_refusal("Article 'X-9' not found", action="newOrderSubmit") == ("item_not_found", "X-9")


ARTICLES = """<?xml version="1.0" encoding="ISO-8859-1"?>
<specter><articles>
<article articleId="70004" priceExclVat="79,20" buyPrice="31,5" barCode="7350000000017" productWeight="0,4"
 vatPercent="25" manufacturerArticleNo="M-17" reorderPoint="5" deleted="0">
<articleNo>MUGG-01</articleNo><name>Kaffemugg stor</name><notes>Diskmaskinsäker</notes></article>
<article articleId="70005" priceExclVat="39.20" deleted="1">
<articleNo>KNIV-02</articleNo><name>Smörkniv</name></article>
<article priceExclVat="x"><articleNo>BAD</articleNo></article>
</articles><responseMaxLimit>3</responseMaxLimit></specter>""".encode("iso-8859-1")


def test_s2_s5_changed_articles_are_read_with_every_field_and_a_deletion_as_inactive():
    items, limit = answers.parse_articles(answers.parse_xml(ARTICLES))
    first, deleted, bad = items
    assert first == ItemRecord(
        number="MUGG-01", description="Kaffemugg stor", price_excl_vat=Decimal("79.20"),
        purchase_price=Decimal("31.5"), ean="7350000000017", weight=Decimal("0.4"), vat_rate=Decimal("25"),
        manufacturer_article_no="M-17", reorder_point=Decimal("5"), notes="Diskmaskinsäker", internal_id="70004",
    )  # fmt: skip
    assert deleted.active is False and deleted.internal_id == "70005"
    assert isinstance(bad, str) and "BAD" in bad  # set aside with its XML, the others read
    assert limit == 3  # a full batch: more are waiting


def test_error_99_names_the_open_batch_in_xml_and_text():
    xml = b"<specter><APIresponse><code>99</code><message>Batch 'abc123' is open</message></APIresponse></specter>"
    assert answers.api_response(answers.parse_xml(xml)).open_batch == "abc123"
    assert answers.text_api_response("0;99;Batch 'def456' is not closed").open_batch == "def456"


def test_s10_stock_rows_of_the_main_site_are_read_and_untracked_articles_skipped():
    text = "70004;MUGG-01;33;b1\r70005;KNIV-02;noItemsAvailable;b1\r\n70006;LAMPA-9;2,5;b1\r"
    assert [(r.sku, r.quantity) for r in answers.parse_stock_text(text, warehouse="MAIN")] == [
        ("MUGG-01", Decimal("33")),
        ("LAMPA-9", Decimal("2.5")),
    ]


def test_s11_order_changes_are_read_as_deleted_delivered_or_their_status():
    xml = b"""<specter><orders>
    <order orderNo="5001" externalOrderNo="10045"><orderstatus statusId="2" deliveryStatus="D"/>
      <deliveries updated="1"><delivery trackingNo="SE1"/></deliveries></order>
    <order orderNo="5002"><orderstatus statusId="5" deliveryStatus=""/><deliveries/></order>
    <order orderNo="5003"><orderstatus statusId="2" deliveryStatus=""/><deliveries/></order>
    </orders></specter>"""
    records = answers.parse_order_changes(answers.parse_xml(xml))
    assert [(r.number, r.external_order_no, r.status) for r in records] == [
        ("5001", "10045", "delivered"),
        ("5002", "", "deleted"),
        ("5003", "", "status 2"),
    ]
