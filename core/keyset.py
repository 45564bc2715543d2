"""Keyset (seek) pages of any ordered queryset: a page after or before a row, costing what the first does.

    terms = ordering_terms(queryset)                    # its ordering, ending with the primary key
    rows = keyed(queryset, terms).filter(after(terms, key))[: size + 1]
    cursor = write_cursor(path, terms, key_of(rows[-1], terms))
    key = read_cursor(cursor, path, terms)              # raises BadCursor for any other value

A cursor is opaque and signed: it names the keys of one row in one list's ordering (the list is its
path), so it cannot be forged into a query of anything else. The API's `cursor` parameter
(`core.apitools.CursorPage`) and the reader's "older" and "newer" links (`core.paging`) are both made
here.
"""

import copy
import hashlib
from datetime import date, datetime
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.core import signing
from django.db.models import F, OrderBy, Q, QuerySet

_CURSOR_SALT = "core.apitools.cursor"
_SIGNER = signing.Signer(salt=_CURSOR_SALT)
KEY = "_cursor_key_{}"


class BadCursor(ValueError):
    """A cursor this site did not give out, or gave for another list or ordering; the message says which."""


def ordering_terms(queryset: QuerySet) -> list[OrderBy]:
    """Return the queryset's ordering as expressions, ending with the primary key so that it is total."""
    terms = []
    for item in queryset.query.order_by or queryset.model._meta.ordering:
        if isinstance(item, str):
            terms.append(OrderBy(F(item.removeprefix("-")), descending=item.startswith("-")))
        else:
            terms.append(item if isinstance(item, OrderBy) else item.asc())
    last = terms[-1].expression if terms else None
    if not (isinstance(last, F) and last.name in ("pk", queryset.model._meta.pk.name)):
        terms.append(OrderBy(F("pk")))
    return terms


def reversed_terms(terms: list[OrderBy]) -> list[OrderBy]:
    """Return the opposite ordering: what comes before a row, nearest first."""
    return [copy.copy(term).reverse_ordering() for term in terms]


def keyed(queryset: QuerySet, terms: list[OrderBy]) -> QuerySet:
    """Order `queryset` by `terms`, each row carrying its keys (read back with `key_of`)."""
    return queryset.order_by(*terms).annotate(
        **{KEY.format(i): term.expression for i, term in enumerate(terms)}
    )


def key_of(row: Any, terms: list[OrderBy]) -> list[Any]:
    return [getattr(row, KEY.format(i)) for i in range(len(terms))]


def _beyond(name: str, term: OrderBy, value: Any) -> Q | None:
    """Return the condition that a row's key `name` sorts strictly after `value`, or None if none can."""
    if value is None:
        # Nulls sort last or first only where the ordering says so; a column it says nothing of holds none.
        return Q(**{f"{name}__isnull": False}) if term.nulls_first else None
    beyond = Q(**{f"{name}__{'lt' if term.descending else 'gt'}": value})
    return beyond | Q(**{f"{name}__isnull": True}) if term.nulls_last else beyond


def after(terms: list[OrderBy], values: list[Any]) -> Q:
    """Return the keyset condition: rows that sort after the row whose keys are `values`."""
    branches, equal = [], Q()
    for i, (term, value) in enumerate(zip(terms, values, strict=True)):
        name = KEY.format(i)
        beyond = _beyond(name, term, value)
        if beyond is not None:
            branches.append(equal & beyond)
        equal &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
    if not branches:
        return Q(pk__in=[])
    condition = reduce(or_, branches)
    first, value = terms[0], values[0]
    if value is not None and first.nulls_first is None and first.nulls_last is None:
        # Redundant with the branches, but a bound on the leading key lets an index start at the cursor.
        condition &= Q(**{f"{KEY.format(0)}__{'lte' if first.descending else 'gte'}": value})
    return condition


def _encode_key(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    return value


def _decode_key(value: Any) -> Any:
    if isinstance(value, dict):
        ((kind, text),) = value.items()
        return {"datetime": datetime.fromisoformat, "date": date.fromisoformat, "decimal": Decimal}[kind](
            text
        )
    return value


def _ordering_fingerprint(terms: list[OrderBy]) -> str:
    return hashlib.sha256(repr(terms).encode()).hexdigest()[:16]


def write_cursor(path: str, terms: list[OrderBy], values: list[Any]) -> str:
    """Return the cursor naming the row whose keys are `values` in the list at `path`, so ordered."""
    payload = {"list": path, "order": _ordering_fingerprint(terms), "keys": [_encode_key(v) for v in values]}
    # Signed without a timestamp: the same row gives the same cursor, so a page's body (and its ETag and
    # cached copy) stays the same from one second to the next.
    return _SIGNER.sign_object(payload, compress=True)


def read_cursor(cursor: str, path: str, terms: list[OrderBy]) -> list[Any]:
    """Return the keys `cursor` names; raise BadCursor for one not given for this list and ordering."""
    try:
        payload = _SIGNER.unsign_object(cursor)
    except signing.BadSignature:
        raise BadCursor("not a cursor this site gave out; start from the first page.") from None
    if not isinstance(payload, dict):
        raise BadCursor("not a cursor this site gave out; start from the first page.")
    if payload.get("list") != path or payload.get("order") != _ordering_fingerprint(terms):
        raise BadCursor("it was given for another list or ordering; use it with that one.")
    try:
        values = [_decode_key(value) for value in payload["keys"]]
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
        raise BadCursor("not a cursor this site gave out; start from the first page.") from None
    if len(values) != len(terms):
        raise BadCursor("it was given for another list or ordering; use it with that one.")
    return values
