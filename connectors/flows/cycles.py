"""A connection's sync cycle and its test: which flows run for a shop or an ERP."""

from __future__ import annotations

import logging
from collections import Counter

from django.urls import reverse

from .. import registry
from ..base import Capability
from ..models import (
    AuthState,
    Connection,
    Role,
    SyncRun,
)
from ..pulls import run_guarded
from ..services import (
    connection_cycle_claim,
    connection_cycle_release,
    connector_for,
    shop_connector,
)
from .catalogue import erp_pull_items, shop_pull_products
from .customers import shop_pull_customers
from .documents import erp_pull_invoices, erp_pull_shipments
from .orders_in import shop_pull_codes, shop_pull_orders
from .statuses import erp_pull_statuses
from .stock import erp_sync_stock

logger = logging.getLogger("connectors.engine")


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
            if Capability.PULL_DISCOUNT_CODES in capabilities:
                runs.append(shop_pull_codes(connection=connection))
            if Capability.PULL_CUSTOMERS in capabilities:
                runs.append(shop_pull_customers(connection=connection))
            if Capability.PULL_ORDERS in capabilities:
                runs.append(shop_pull_orders(connection=connection))
        elif connection.role == Role.ERP:
            if Capability.STOCK in capabilities:
                runs.append(erp_sync_stock(connection=connection))
            if Capability.CHANGED_ITEMS in capabilities:
                runs.append(erp_pull_items(connection=connection))
            if Capability.ORDER_STATUSES in capabilities:
                runs.append(erp_pull_statuses(connection=connection))
            if (
                Capability.SHIPMENTS in capabilities
                and connection.integrations_as_erp.filter(documents_source="erp").exists()
            ):
                runs.append(erp_pull_shipments(connection=connection))
            if (
                Capability.INVOICES in capabilities
                and connection.integrations_as_erp.filter(documents_source="erp").exists()
            ):
                runs.append(erp_pull_invoices(connection=connection))
        return runs
    finally:
        connection_cycle_release(connection_id=connection.pk)


def connection_test(*, connection: Connection) -> SyncRun:
    """Make one authenticated call with fresh credentials and record the outcome as a run
    of kind 'test'. Success clears a credentials refusal and resumes what waited on it."""

    def body(counts: Counter[str]) -> None:
        counts["message"] = connector_for(connection).test()  # type: ignore[assignment]  # a run's stats hold text too

    return run_guarded(connection=connection, kind="test", body=body)


def connection_register_webhooks(*, connection: Connection, portal_url: str) -> SyncRun:
    """Subscribe the shop's order events to the portal's intake for this connection, recorded as
    a run of kind 'webhooks'. Safe to repeat: events already sent there are not subscribed twice."""

    def body(counts: Counter[str]) -> None:
        path = reverse("webhook-intake", args=[connection.pk, connection.webhook_token()])
        made = shop_connector(connection).register_webhooks(url=portal_url.rstrip("/") + path)
        counts["registered"] = len(made)

    return run_guarded(connection=connection, kind="webhooks", body=body)
