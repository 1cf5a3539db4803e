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


def binding_of(connection: Connection, obj) -> ExternalRef | None:
    """The object's binding to ``connection``, if any (one per object and connection)."""
    return ExternalRef.objects.filter(connection=connection, content_type=ct(obj), object_id=obj.pk).first()


def bind_to(
    connection: Connection,
    obj,
    external_id: str,
    *,
    synced: dict[str, str] | None = None,
    shared: bool = False,
    remote_updated_at: dt.datetime | None = None,
    new: bool = False,
) -> ExternalRef:
    """Bind the object to its remote id (kept per object: a renamed or re-created remote record
    moves the binding); ``synced`` replaces what that side was last told or said.

    ``new``: the object was created in the caller's transaction, so no binding of it can exist yet:
    the binding is inserted at once (one statement instead of a locked read and two savepoints,
    which is most of a first catalogue import). Should the remote id be bound to another object
    meanwhile, the unique constraint refuses it and the caller's transaction (one record) rolls back.
    """
    defaults: dict = {"external_id": external_id, "shared": shared}
    if synced is not None:
        defaults["synced"] = synced
    if remote_updated_at is not None:
        defaults["remote_updated_at"] = remote_updated_at
    if new:
        return ExternalRef.objects.create(connection=connection, content_type=ct(obj), object_id=obj.pk, **defaults)
    ref, _created = ExternalRef.objects.update_or_create(
        connection=connection, content_type=ct(obj), object_id=obj.pk, defaults=defaults
    )
    return ref


def erp_binding(customer: Customer, erp: Connection) -> str:
    ref = ExternalRef.objects.filter(connection=erp, content_type=ct(Customer), object_id=customer.pk).first()
    return ref.external_id if ref else ""
