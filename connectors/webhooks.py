"""Webhook intake (UI layer): a shop's nudge that something changed, never trusted as data.

``POST /hooks/<connection id>/<token>/``: the token is the connection's secret
(ShopRenter does not sign its webhooks, so the URL carries a secret of 32
random bytes, compared in constant time). A delivery is recognised by the hash
of its body and acted on once; acting means queuing a pull of the shop's
orders, which re-reads them from the API. The minute's schedule pulls anyway,
so a lost webhook only delays an order until then.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Connection, Role, WebhookDelivery
from .models.connections import WEBHOOK_TOKEN
from .services import enqueue

logger = logging.getLogger("connectors.webhooks")
MAX_BODY = 1_000_000


@csrf_exempt
@require_POST
def webhook_intake(request: HttpRequest, connection_id: int, token: str) -> HttpResponse:
    connection = Connection.objects.filter(pk=connection_id, role=Role.SHOP, enabled=True).first()
    stored = cast(dict[str, Any], connection.credentials or {}) if connection else {}
    expected = str(stored.get(WEBHOOK_TOKEN) or "")
    if connection is None or not expected or not hmac.compare_digest(expected.encode(), token.encode()):
        logger.warning("Webhook refused for connection %s: unknown connection or wrong secret", connection_id)
        return JsonResponse({"detail": "Forbidden"}, status=403)
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
