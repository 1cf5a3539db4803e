"""Pages of big tables without counting them whole.

A list of a million orders must not ``COUNT(*)`` the table to show its first page. The count is
taken over at most ``CAP`` + 1 rows (a LIMIT inside the COUNT, by the rows' primary keys only):
exact up to the cap, "more than the cap" beyond it, where nobody pages anyway and filters or the
search narrow the list.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``CAP`` + 1 (``capped`` then says so)."""

    cap = CAP

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not hasattr(queryset, "values"):
            return len(queryset)
        return queryset.order_by().values("pk")[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap
