"""The change feed: `GET /api/v1/changes?since=<cursor>`, every public change in the order it committed.

An integrator mirrors the public content by reading from the start (no `since`), applying each event
(`published` and `updated` carry the record's document as the API serves it now; `unpublished` is a
tombstone without content), and asking again with the page's `next`. A cursor is the last event's number:
the feed never skips or repeats an event after it.
"""

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from core.apitools import LIST_ERRORS
from core.frontcache import cache_tags

from .changes import CHANGES_TAG, event_document
from .models import Action, ChangeEvent, Kind

router = Router(tags=["changes"])

CHANGES_PAGE_SIZE = 50
CHANGES_MAX_PAGE_SIZE = 100


class ObjectRef(Schema):
    type: str = Field(description="article, company, person, quote or figure.")
    id: int
    url: str = Field(description="The record's address in this API when the event happened.")


class ChangeOut(Schema):
    id: int = Field(description="The event's number: events are numbered in the order they committed.")
    type: str = Field(description="The kind and what happened to it.", examples=["article.published"])
    occurred_at: str
    object: ObjectRef
    current: bool = Field(
        description="False when a published or updated record is no longer public: a later event follows."
    )
    data: dict | None = Field(
        description="The record's document as the API serves it now; null in a tombstone or when not current."
    )


class ChangesPage(Schema):
    items: list[ChangeOut]
    next: str = Field(description="Pass as `since` to get the events after this page.")
    has_more: bool


_TYPE = rf"(?:{'|'.join(Kind.values)})\.(?:{'|'.join(Action.values)})"
TYPES_PATTERN = rf"^{_TYPE}(?:,{_TYPE})*$"


class ChangesFilters(Schema):
    since: str | None = Field(
        None,
        description="A page's `next`: only the events after it. Leave out to read from the first event.",
        examples=["0"],
        pattern=r"^[0-9]{1,18}$",
    )
    limit: int = Field(CHANGES_PAGE_SIZE, ge=1, le=CHANGES_MAX_PAGE_SIZE, description="Events per page.")
    types: str | None = Field(
        None,
        description="Comma-separated event types to keep, e.g. article.published,article.unpublished.",
        examples=["article.published,article.unpublished"],
        pattern=TYPES_PATTERN,
    )


def _since(value: str | None) -> int:
    return int(value) if value else 0


def _types(value: str | None) -> list[str] | None:
    return value.split(",") if value else None


@router.get(
    "/changes",
    response={200: ChangesPage, **LIST_ERRORS},
    summary="Follow every public change",
    operation_id="changes_api_list_changes",
)
def list_changes(request: HttpRequest, filters: Query[ChangesFilters]):
    """Return the events after `since`, oldest first: publishes, updates and unpublishes of every record."""
    since = _since(filters.since)
    events = ChangeEvent.objects.filter(pk__gt=since).order_by("pk")
    wanted = _types(filters.types)
    if wanted is not None:
        kept = Q()
        for event_type in wanted:
            kind, action = event_type.split(".")
            kept |= Q(kind=kind, action=action)
        events = events.filter(kept)
    rows = list(events[: filters.limit + 1])
    has_more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    last = rows[-1].pk if rows else since
    origin = f"{request.scheme}://{request.get_host()}"
    items = [event_document(event, origin) for event in rows]
    # A new event bans every page of the feed; a record's own change bans the pages that carry it at once,
    # before the worker has written its event.
    cache_tags(request, CHANGES_TAG, *{f"{event.kind}-{event.object_id}" for event in rows})
    return {"items": items, "next": str(last), "has_more": has_more}
