"""The webhooks of the ShopRenter emulator: the ``webHooks`` resource and the calls the shop makes.

From ShopRenter's documentation (``api/webhook.md``, ``development/api/07_webhook.md`` and the
``fixtures/api/webhook`` fixtures): ``label``, ``event``, ``status`` ("1"/"0") and
``webHookParameters`` (a list of ``{type: json|xml, url, fields}``; the resource fixture shows
a single object, so both are taken) are required; ``webHookDelay`` is optional. A delivery is
``{"orders": {"order": [...]}}`` with numbers as strings.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

from connectors.emulation import HttpError, Reply, Request

from .mapping import resource_id

EVENTS = ("order_confirm", "order_status_change", "newsletter_subscribe", "newsletter_unsubscribe",
          "newsletter_update_subscriber", "abandoned_cart")  # fmt: skip


def _error(status: int, inner: int, message: str) -> HttpError:
    return HttpError(status, {"error": inner, "message": message})


class WebhookResource:
    """Mixed into the emulator: it provides ``state``, ``lock``, ``base_url``, ``shop``, ``_ids``, ``_page``."""

    state: Any
    statuses: dict[int, str]
    lock: Any
    shop: str
    _ids: Any
    deliveries: list[tuple[str, int]]

    @property
    def base_url(self) -> str:  # pragma: no cover - the emulator's own
        raise NotImplementedError

    def _page(self, request: Request, path: str, items: list[dict[str, Any]]) -> Reply:  # pragma: no cover
        raise NotImplementedError

    def _notify(self, event: str, order: dict[str, Any]) -> None:
        """Send ``event`` about ``order`` to every enabled hook of that event, in the background,
        in the documented shape (``{"orders": {"order": [...]}}``, numbers as strings). The docs say
        nothing of retries or signatures: one attempt, unsigned."""
        with self.lock:
            targets = [
                target
                for hook in self.state.webhooks.values()
                if hook["event"] == event and hook["status"] == "1"
                for target in hook["webHookParameters"]
            ]
            body = json.dumps({"orders": {"order": [self._webhook_order(order)]}}).encode()
        for target in targets:
            threading.Thread(target=self._deliver, args=(target["url"], body), daemon=True).start()

    def _deliver(self, url: str, body: bytes) -> None:
        request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        with self.lock:
            self.deliveries.append((url, status))

    def _webhook_order(self, order: dict[str, Any]) -> dict[str, Any]:
        status_id = order["orderStatus"]["href"].rsplit("/", 1)[1]
        number = next((n for n in self.statuses if resource_id("orderStatus", "order_status_id", n) == status_id), 0)
        return {
            "storeName": self.shop,
            "innerId": order["innerId"],
            "innerResourceId": f"orders/{order['id']}",
            "outerResourceId": "",
            "firstname": order["firstname"],
            "lastname": order["lastname"],
            "email": order["email"],
            "total": order["orderTotals"][0]["value"],
            "totalGross": order["total"],
            "currency": order["currency"]["code"],
            "orderHistory": {"status": str(number), "statusText": self.statuses.get(number, ""), "comment": ""},
            "orderProducts": {
                "orderProduct": [
                    {
                        "innerId": p["id"],
                        "sku": p["sku"],
                        "name": p["name"],
                        "price": p["price"],
                        "quantity": p["stock1"],
                        "taxRate": p["taxRate"],
                    }
                    for p in order["orderProducts"]
                ]  # fmt: skip
            },
        }

    def list_webhooks(self, request: Request) -> Reply:
        with self.lock:
            return self._page(request, "webHooks", list(self.state.webhooks.values()))

    def post_webhook(self, request: Request) -> Reply:
        body = request.json() or {}
        body = body.get("data", body)
        parameters = body.get("webHookParameters")
        if isinstance(parameters, dict):
            parameters = [parameters]
        if (
            not body.get("label")
            or body.get("event") not in EVENTS
            or str(body.get("status")) not in ("0", "1")
            or not parameters
            or not all(isinstance(p, dict) and p.get("url") and p.get("type") in ("json", "xml") for p in parameters)
        ):
            raise _error(400, 40010, "The given data is wrong! Required: label, event, status, webHookParameters.")
        with self.lock:
            rid = resource_id("webHook", "notification_id", next(self._ids))
            href = f"{self.base_url}webHooks/{rid}"
            hook = {
                "href": href,
                "id": rid,
                "event": body["event"],
                "status": str(body["status"]),
                "label": body["label"],
                "webHookParameters": [{**p, "webHook": {"href": href}} for p in parameters],
                "webHookDelay": body.get("webHookDelay") or [],
            }
            self.state.webhooks[rid] = hook
            return Reply(201, hook)

    def put_webhook(self, request: Request, rid: str) -> Reply:
        body = request.json() or {}
        body = body.get("data", body)
        with self.lock:
            hook = self.state.webhooks.get(rid)
            if hook is None:
                raise _error(404, 40401, f"Resource not found! {rid}")
            if "status" in body:
                hook["status"] = str(body["status"])
            return Reply(200, hook)

    def delete_webhook(self, request: Request, rid: str) -> Reply:
        with self.lock:
            if self.state.webhooks.pop(rid, None) is None:
                raise _error(404, 40401, f"Resource not found! {rid}")
        return Reply(204, None)
