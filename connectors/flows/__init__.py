"""The sync engine, one module per flow, each reading top-down like a recipe.

    orders_in    shop orders pulled into the mirror, queued at a transfer status
    orders_out   a mirrored order sent to the ERP as one sales order, exactly once
    customers    buyers matched to ERP customers, created once, conflicts decided
    catalogue    products pulled from the shop
    stock        ERP stock to the shop, only what changed
    prices       ERP sale prices to the shop
    statuses     ERP statuses and the ERP number back to the shop
    documents    invoices, shipments and credit notes made in the portal recorded in the shop
    refunds      credit notes refunded online through the payment provider
    carriers     shipments booked with a carrier (consignment number, label)
    backoffice   the portal as a shop's back office: invoices take stock, stock goes to the shop
    cycles       which of these a connection's cycle runs

They share one pull machinery (``connectors.pulls``) and one transfer
machinery (``connectors.transfers``); the mirror writes are ``flows.mirror``.
Importing this package registers every transfer handler.
"""

from . import (  # noqa: F401
    backoffice,
    cancellations,
    carriers,
    catalogue,
    customers,
    cycles,
    documents,
    erp_documents,
    orders_in,
    orders_out,
    prices,
    refunds,
    statuses,
    stock,
)
