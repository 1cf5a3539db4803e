"""One-time set-up of a fresh Tryton 8.2 'sale' database, run with the Tryton
virtualenv's Python over XML-RPC (proteus) against the running trytond:
company (NOK), chart of accounts, fiscal year with invoice sequences, a payment
term, an accounting product category, and VAT taxes of 25 %, 15 % and 0 %.

Usage: python tryton_bootstrap.py http://127.0.0.1:PORT/DB/rpc/ admin admin
Prints a JSON object of the ids the tests need.
"""

import json
import sys
from decimal import Decimal

from proteus import Model
from proteus.config import set_xmlrpc_session
from trytond.modules.account.tests.tools import create_chart, create_fiscalyear, create_tax, get_accounts
from trytond.modules.account_invoice.tests.tools import create_payment_term, set_fiscalyear_invoice_sequences
from trytond.modules.company.tests.tools import create_company, get_company

url, login, password = sys.argv[1:4]
with set_xmlrpc_session(url, login, password=password):
    if not Model.get("company.company").find([]):
        create_company(currency="NOK")
    company = get_company()
    if not Model.get("account.account").find([]):
        create_chart(company)
    FiscalYear = Model.get("account.fiscalyear")
    if not FiscalYear.find([]):
        fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(company))
        fiscalyear.save()
        fiscalyear.click("create_period")
    PaymentTerm = Model.get("account.invoice.payment_term")
    term = (PaymentTerm.find([]) or [None])[0]
    if term is None:
        term = create_payment_term()
        term.save()
    accounts = get_accounts(company)
    taxes = {}
    for rate in ("25", "15", "0"):
        name = f"VAT {rate}%"
        found = Model.get("account.tax").find([("name", "=", name)])
        if found:
            tax = found[0]
        else:
            tax = create_tax(Decimal(rate) / 100)
            tax.name = tax.description = name
            tax.save()
        taxes[rate] = tax.id
    Category = Model.get("product.category")
    found = Category.find([("name", "=", "Shop goods")])
    if found:
        category = found[0]
    else:
        category = Category(name="Shop goods", accounting=True)
        category.account_revenue = accounts["revenue"]
        category.account_expense = accounts["expense"]
        category.save()
    (unit,) = Model.get("product.uom").find([("name", "=", "Unit")])
    print(
        json.dumps(
            {
                "company": company.id,
                "payment_term": term.id,
                "account_category": category.id,
                "unit": unit.id,
                "taxes": taxes,
            }
        )
    )
