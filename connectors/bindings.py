"""Bindings between local objects and their ids in remote systems (ExternalRef)."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.contenttypes.models import ContentType

from customers.models import Customer

from .models import (
    Connection,
    ExternalRef,
)

logger = logging.getLogger("connectors.engine")


def ct(model) -> ContentType:
    return ContentType.objects.get_for_model(model)


# --- mirror upserts -----------------------------------------------------------


def bound(connection: Connection, model, external_id: str):
    ref = ExternalRef.objects.filter(connection=connection, content_type=ct(model), external_id=external_id).first()
    return (model.objects.filter(pk=ref.object_id).first(), ref) if ref else (None, None)


def bind(
    connection: Connection, obj, external_id: str, remote_updated_at: dt.datetime | None, fingerprint: str = ""
) -> None:
    ExternalRef.objects.update_or_create(
        connection=connection,
        content_type=ct(obj),
        external_id=external_id,
        defaults={"object_id": obj.pk, "remote_updated_at": remote_updated_at, "fingerprint": fingerprint},
    )


def erp_binding(customer: Customer, erp: Connection) -> str:
    ref = ExternalRef.objects.filter(connection=erp, content_type=ct(Customer), object_id=customer.pk).first()
    return ref.external_id if ref else ""
