"""Reading remote payloads safely: typed field readers and one-bad-record-at-a-time pulls.

Platform mappings read every field through these helpers, so a malformed value
becomes a ``BadValue`` that names the field and the value, and ``parse_each``
turns it into a ``BadRecord`` the engine sets aside while the pull goes on.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.utils.translation import gettext as _

from .records import BadRecord

T = TypeVar("T")
EXCERPT = 2000


class BadValue(ValueError):
    """A field of a remote record has a value the portal cannot use.

    ``message`` names the field and the value; ``hint`` says what to do.
    """

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def decimal(value: Any, what: str, *, default: Decimal | None = Decimal("0")) -> Decimal:
    """A finite number from a JSON number or numeric string; None/'' gives ``default``."""
    if value is None or value == "":
        if default is None:
            raise BadValue(_("%(field)s is missing.") % {"field": what})
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise BadValue(_("%(field)s is not a number: %(value)s") % {"field": what, "value": _show(value)})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BadValue(_("%(field)s is not a number: %(value)s") % {"field": what, "value": _show(value)}) from None
    if not number.is_finite():
        raise BadValue(_("%(field)s is not a number: %(value)s") % {"field": what, "value": _show(value)})
    return number


def text(value: Any, what: str, *, required: bool = False) -> str:
    """A string field: numbers are accepted as their text, None as ''."""
    if value is None or value == "":
        if required:
            raise BadValue(_("%(field)s is missing.") % {"field": what})
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise BadValue(_("%(field)s is not text: %(value)s") % {"field": what, "value": _show(value)})
    return str(value)


def timestamp(value: Any, what: str, *, formats: Iterable[str], required: bool = False) -> dt.datetime | None:
    """An aware UTC datetime from one of ``formats`` (strptime), read as UTC when naive."""
    if value is None or value == "":
        if required:
            raise BadValue(_("%(field)s is missing.") % {"field": what})
        return None
    if isinstance(value, str):
        for fmt in formats:
            try:
                parsed = dt.datetime.strptime(value.strip(), fmt)
            except ValueError:
                continue
            return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)
    raise BadValue(_("%(field)s is not a date and time: %(value)s") % {"field": what, "value": _show(value)})


def mapping(value: Any, what: str) -> Mapping[str, Any]:
    """A JSON object field; None gives an empty one."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadValue(_("%(field)s is not an object: %(value)s") % {"field": what, "value": _show(value)})
    return value


def array(value: Any, what: str, *, required: bool = False) -> list[Any]:
    """A JSON array field; None gives [] unless required."""
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise BadValue(_("%(field)s is not a list: %(value)s") % {"field": what, "value": _show(value)})
    return value


def excerpt(raw: Any) -> str:
    """The raw payload as JSON, cut short: what a person looks at to see what arrived."""
    try:
        text_ = json.dumps(raw, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text_ = repr(raw)
    return text_ if len(text_) <= EXCERPT else text_[: EXCERPT - 1] + "…"


def parse_each(
    items: Iterable[Any],
    parse: Callable[[Any], T],
    *,
    ident: Callable[[Any], str],
    label: Callable[[Any], str] = lambda raw: "",
    stamp: Callable[[Any], dt.datetime | None] = lambda raw: None,
    check: Callable[[T], None] | None = None,
    hint: str = "",
) -> Iterator[T | BadRecord]:
    """Parse each raw item; a failure yields a BadRecord instead, and the loop goes on.

    ``ident``, ``label`` and ``stamp`` read the raw item defensively (they must
    not raise). ``check`` validates the parsed record and raises BadValue.
    """
    for raw in items:
        try:
            record = parse(raw)
            if check is not None:
                check(record)
        except BadValue as exc:
            yield _bad(raw, exc.message, exc.hint or hint, ident, label, stamp)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError, ArithmeticError) as exc:
            # A shape nobody foresaw: still one record, still set aside with its raw data.
            yield _bad(raw, _describe(exc), hint, ident, label, stamp)
        else:
            yield record


def _bad(raw, error, hint, ident, label, stamp) -> BadRecord:
    return BadRecord(
        external_id=_safe(ident, raw, ""),
        error=error,
        hint=hint,
        excerpt=excerpt(raw),
        label=_safe(label, raw, ""),
        updated_at=_safe(stamp, raw, None),
    )


def _safe(read: Callable[[Any], Any], raw: Any, default: Any) -> Any:
    try:
        return read(raw)
    except Exception:  # reading an id or a stamp off a broken payload must never stop the pull
        return default


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return _("The record has no %(field)s.") % {"field": exc.args[0] if exc.args else "?"}
    return _("The record could not be read: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"[:300]}
