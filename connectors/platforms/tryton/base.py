"""What every part of the Tryton connector shares: the client, paging, the id of a create."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from connectors.base import ErpConnector
from connectors.exceptions import AmbiguousError
from connectors.http import iter_pages

from .client import TrytonClient

PAGE_SIZE = 100


def created_id(result: Any, what: str) -> int:
    """The id of the one record a ``create`` made: Tryton answers ``[id]``.

    Anything else does not say what was made, so the create counts as
    ambiguous and the engine looks it up.
    """
    if isinstance(result, list) and len(result) == 1 and isinstance(result[0], int) and result[0] > 0:
        return result[0]
    raise AmbiguousError(
        f"Tryton answered the new {what} with {str(result)[:200]!s}, not the id of one new record.",
        hint=_("Whether it was created is unknown; it is looked up before any new attempt."),
    )


class TrytonBase(ErpConnector):
    """The JSON-RPC client and the paged read every part of the connector uses."""

    client: TrytonClient

    def _search_read_all(
        self, model: str, domain: list[Any], fields: list[str], *, context: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every matching row, PAGE_SIZE at a time, in id order (stable across pages)."""

        def fetch(page: int) -> tuple[list[dict[str, Any]], bool]:
            rows = self.client.call(
                model,
                "search_read",
                domain,
                (page - 1) * PAGE_SIZE,
                PAGE_SIZE,
                [("id", "ASC")],
                fields,
                context=context,
            )
            return rows, len(rows) == PAGE_SIZE

        return iter_pages(fetch)
