"""Admin pages of fulfilment (UI layer): packing summary, purchase list, stock report with CSV (R5, R6)."""

from __future__ import annotations

import csv

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .selectors import csv_safe, packing_summary, purchase_list, stock_report

STOCK_COLUMNS = [
    ("sku", _("SKU")),
    ("name", _("Product")),
    ("warehouse", _("Warehouse")),
    ("location", _("Bin")),
    ("physical", _("Physical")),
    ("reserved", _("Reserved")),
    ("free", _("Free")),
    ("minimum", _("Minimum")),
    ("incoming", _("Incoming")),
    ("to_purchase", _("To purchase")),
    ("supplier", _("Default supplier")),
    ("supplier_article_no", _("Supplier article no.")),
]


def csv_response(filename: str, header: list[str], rows: list[list[object]]) -> HttpResponse:
    """A CSV download whose cells a spreadsheet will not run as formulas."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # spreadsheets read the file as UTF-8 (ø, ł, ő) only with a BOM
    writer = csv.writer(response)
    writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return response


def packing_summary_page(request: HttpRequest, order_ids: list[int]) -> TemplateResponse:
    context = {
        **admin.site.each_context(request),
        "title": _("Packing summary"),
        "lines": packing_summary(order_ids),
        "orders": len(order_ids),
    }
    return TemplateResponse(request, "admin/fulfilment/packing_summary.html", context)


def purchase_list_page(request: HttpRequest, order_ids: list[int]) -> HttpResponse:
    lines = purchase_list(order_ids)
    if request.POST.get("format") == "csv" or request.GET.get("format") == "csv":
        header = [_("SKU"), _("Product"), _("Shortfall"), _("Default supplier"), _("Supplier article no.")]
        rows = [[li.sku, li.name, li.shortfall, li.supplier, li.supplier_article_no] for li in lines]
        return csv_response("purchase-list.csv", header, rows)
    context = {
        **admin.site.each_context(request),
        "title": _("Purchase list"),
        "lines": lines,
        "order_ids": order_ids,
    }
    return TemplateResponse(request, "admin/fulfilment/purchase_list.html", context)


def stock_report_page(request: HttpRequest) -> HttpResponse:
    """Filters: warehouse, supplier (code), only what to buy; ``?format=csv`` downloads it."""
    warehouse = request.GET.get("warehouse", "")[:30]
    supplier = request.GET.get("supplier", "")[:30]
    only = request.GET.get("to_purchase") == "1"
    rows = stock_report(warehouse=warehouse, supplier=supplier, only_to_purchase=only)
    if request.GET.get("format") == "csv":
        return csv_response(
            "stock-report.csv",
            [str(label) for _key, label in STOCK_COLUMNS],
            [[getattr(row, key) for key, _label in STOCK_COLUMNS] for row in rows],
        )
    from inventory.models import Supplier, Warehouse

    context = {
        **admin.site.each_context(request),
        "title": _("Stock report"),
        "rows": rows,
        "columns": STOCK_COLUMNS,
        "warehouses": Warehouse.objects.values_list("code", flat=True),
        "suppliers": Supplier.objects.values_list("code", "name"),
        "chosen": {"warehouse": warehouse, "supplier": supplier, "to_purchase": only},
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "admin/fulfilment/stock_report.html", context)
