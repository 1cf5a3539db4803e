"""Webhook intake (UI layer): a shop's (or an ERP's) nudge that something changed, never trusted as data.

``POST /hooks/<connection id>/<token>/``: the token is the connection's secret
(ShopRenter does not sign its webhooks, so the URL carries a secret of 32
random bytes, compared in constant time). A delivery is recognised by the hash
of its body and acted on once; acting means queuing a pull of the shop's
orders, which re-reads them from the API. The minute's schedule pulls anyway,
so a lost webhook only delays an order until then.

An ERP connection's secret URL takes its callbacks (``GET``, Specter's ``calltype``; the Subiekt
bridge's signed ``POST`` "events available"): they queue the ERP's cycle, which reads its change
lists or event feed. A platform that signs its callbacks has the signature checked too.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .models import Connection, Role, WebhookDelivery
from .models.connections import WEBHOOK_TOKEN
from .services import enqueue

logger = logging.getLogger("connectors.webhooks")
MAX_BODY = 1_000_000


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook_intake(request: HttpRequest, connection_id: int, token: str) -> HttpResponse:
    connection = Connection.objects.filter(pk=connection_id, role__in=(Role.SHOP, Role.ERP), enabled=True).first()
    stored = cast(dict[str, Any], connection.credentials or {}) if connection else {}
    expected = str(stored.get(WEBHOOK_TOKEN) or "")
    if connection is None or not expected or not hmac.compare_digest(expected.encode(), token.encode()):
        logger.warning("Webhook refused for connection %s: unknown connection or wrong secret", connection_id)
        return JsonResponse({"detail": "Forbidden"}, status=403)
    if connection.role == Role.ERP:
        return erp_callback(request, connection)
    if request.method != "POST":
        return JsonResponse({"detail": "Method not allowed"}, status=405)
    body = request.body[:MAX_BODY]
    key = hashlib.sha256(body).hexdigest()
    event = request.headers.get("X-Event", "")[:60]
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(connection=connection, key=key, event=event)
    except IntegrityError:
        return JsonResponse({"detail": "Already received"}, status=200)
    enqueue("connectors.tasks.pull_orders", connection.pk)
    return JsonResponse({"detail": "Queued"}, status=202)


def erp_callback(request: HttpRequest, connection: Connection) -> HttpResponse:
    """An ERP calling back that something changed (Specter calls a URL with ``calltype``: 1 stock,
    2 invoice, 3 order deleted, 4 order changed, 5 article changed). Only a nudge: the ERP's cycle
    is queued, which reads its change lists (a cycle already running is not started twice).
    Answered ``1;Done`` as Specter's callers answer it."""
    from .services import connector_for

    connector = connector_for(connection)
    body = request.body[:MAX_BODY]
    if not connector.callback_accepted(
        method=request.method or "GET", target=request.get_full_path(), headers=request.headers, body=body
    ):
        logger.warning("Callback refused for %s: its signature does not match", connection)
        return JsonResponse(
            {"error": {"code": "invalid_signature", "message": "Signature refused.", "retryable": False}}, status=401
        )
    calltype = request.GET.get("calltype", "")[:4]
    enqueue("connectors.tasks.run_cycle", connection.pk)
    logger.info("Callback from %s (calltype %s): cycle queued", connection, calltype or "-")
    status, content_type, reply = connector.callback_reply
    return HttpResponse(reply, status=status, content_type=content_type)
