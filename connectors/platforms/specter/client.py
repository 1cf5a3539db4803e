"""HTTP client for Specter's classic ASP API (HTTP only; the shapes are in ``mapping``).

Writes are ``POST putInfo.asp`` with a form body in ISO-8859-1 and a plain-text
``result;id;message`` answer; reads are ``GET getInfo.asp``. Specter may answer a
refusal with HTTP 200: the answer's result code decides, not the status.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from connectors.base import RateLimiter
from connectors.exceptions import (
    AmbiguousError,
    AuthError,
    DuplicateDocument,
    PermanentError,
    RetryableError,
)
from connectors.http import EXCERPT, HttpClient, redact

from . import answers, mapping

DEFAULT_BASE_URL = "https://api.specter.se/"
CREDENTIALS_HINT = gettext_noop(
    "Specter refused the account id, API user or key: check sbm_id (parameter), api_user_id, api_user_key "
    "and, for API version 2, integration_key on the connection, then 'Test connection'."
)


class SpecterClient(HttpClient):
    """``sbm_id`` is the Specter account; ``api_user_id`` and ``api_user_key`` the API user;
    ``integration_key`` the second key of Specter's API version 2 (empty for version 1)."""

    def __init__(
        self,
        base_url: str,
        *,
        sbm_id: str,
        api_user_id: str,
        api_user_key: str,
        integration_key: str = "",
        limiter: RateLimiter | None = None,
        read_timeout: float = 30.0,
    ) -> None:
        super().__init__(
            base_url or DEFAULT_BASE_URL,
            limiter=limiter,
            secrets=[api_user_key, integration_key],
            read_timeout=read_timeout,
        )
        self.sbm_id, self.api_user_id = sbm_id, api_user_id
        self.api_user_key, self.integration_key = api_user_key, integration_key

    def key(self, subject: str) -> str:
        return mapping.check_key(
            user_key=self.api_user_key, sbm_id=self.sbm_id, subject=subject, integration_key=self.integration_key
        )

    # --- writes -------------------------------------------------------------------------

    def write(
        self,
        action: str,
        fields: Sequence[tuple[str, str]],
        *,
        subject: str,
        key_in_query: bool = False,
        query: Sequence[tuple[str, str]] = (),
        creates: bool = True,
    ) -> answers.WriteAnswer:
        """One ``putInfo.asp`` call; return its answer when the result is 1, else raise the typed
        refusal. ``creates``: the call may make a document (a lost answer is then ambiguous)."""
        key = self.key(subject)
        params: list[tuple[str, str]] = [
            ("action", action),
            ("sbmId", self.sbm_id),
            ("apiUserId", self.api_user_id),
            ("useXML", "1"),
            *query,
        ]
        body = list(fields)
        if key_in_query:
            params.append(("key", key))
        else:
            body.append(("key", key))
        response = self.request(
            "POST",
            "putInfo.asp",
            params=params,
            data=mapping.form_body(body),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/plain, */*"},
            idempotent=not creates,
        )
        text = answers.decode(response.content)
        try:
            answer = answers.parse_write_answer(text)
        except mapping.SpecterAnswerError as exc:
            error = AmbiguousError if creates else RetryableError
            raise error(
                _("Specter answered %(action)s with something that is not 'result;id;message': %(text)s")
                % {"action": action, "text": str(exc)[:300]},
                hint=_("Whether it was made is unknown; it is looked up before any new attempt.")
                if creates
                else _("Retried automatically."),
                http_status=response.status_code,
                response_excerpt=redact(text[:EXCERPT], self.secrets),
            ) from exc
        if not answer.ok:
            raise self._refusal(action, answer)
        return answer

    def _refusal(self, action: str, answer: answers.WriteAnswer) -> Exception:
        code, subject = answers.classify_refusal(answer.message, action=action)
        message = _("Specter refused %(action)s: %(message)s") % {
            "action": action,
            "message": answer.message or answer.raw,
        }
        excerpt = redact(answer.raw[:EXCERPT], self.secrets)
        if code == "credentials":
            return AuthError(message, hint=_(CREDENTIALS_HINT), response_excerpt=excerpt)
        if code == "duplicate_order":
            return DuplicateDocument(
                message,
                existing=answer.id if answers.valid_id(answer.id) else "",
                response_excerpt=excerpt,
                code=code,
            )
        return PermanentError(message, refused=True, response_excerpt=excerpt, code=code, subject=subject)

    # --- reads ------------------------------------------------------------------------------

    def read(self, action: str, *, batch: str, xml: bool = True, extra: Sequence[tuple[str, str]] = ()) -> bytes:
        """One ``getInfo.asp`` call keyed on ``batch``; the raw answer."""
        params: list[tuple[str, Any]] = [
            ("Action", action),
            ("sbmId", self.sbm_id),
            ("batchNo", batch),
            ("key", self.key(batch)),
            *extra,
        ]
        if xml:
            params.append(("useXML", "2"))
        params.append(("apiUserId", self.api_user_id))
        response = self.request("GET", "getInfo.asp", params=params, headers={"Accept": "text/xml, text/plain, */*"})
        return response.content
