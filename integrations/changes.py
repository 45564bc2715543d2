"""The change feed's writer: what the public API shows of a record, compared with what the feed last said.

    changes_note(Record("article", 12), …)    # in a writer's transaction: look at these once it commits
    changes_record([Record(...)])             # the worker: append the events their public state calls for

A change anywhere (a publish, a withdrawal, an entity renamed or unpublished, a quote edited) notes the
records whose public documents it may touch; when the transaction commits, one task records them. For
each record the task asks the API for its document (`integrations.documents`): public and new to the
feed, `published`; public and different from what the feed last said, `updated`; gone after the feed
announced it, `unpublished` (a tombstone, without content). Noting a record that did not change publicly
records nothing, so receivers may note generously.

Events are numbered in commit order: each is written under one lock (PostgreSQL's transaction-level
advisory lock; SQLite lets one writer in at a time), held until its transaction commits, so no event
can commit with a smaller number than one a reader has already seen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from django.db import connection, transaction

from core.frontcache import purge

from .documents import Record, default_origin, public_document, record_key
from .models import Action, ChangeEvent, FeedState

# The front cache's tag of every page of the feed (`core.frontcache`): banned by each new event.
CHANGES_TAG = "changes"
# Any number the project owns: the lock every event writer takes, in PostgreSQL's advisory-lock space.
_EVENT_LOCK = 0x6261696D6F  # "baimo"


def changes_note(*records: Record) -> None:
    """Record these records' public changes once the current transaction commits, in one task."""
    records = {record for record in records if record.object_id is not None}
    if not records:
        return
    current = transaction.get_connection()
    if not current.in_atomic_block:
        _Pending(records)()
        return
    for _savepoints, callback, _robust in current.run_on_commit:
        if isinstance(callback, _Pending) and not callback.done:
            callback.records |= records
            return
    transaction.on_commit(_Pending(records))


class _Pending:
    """The records a transaction noted: one task when it commits (Django drops it on a rollback)."""

    def __init__(self, records: set[Record]):
        self.records = set(records)
        self.done = False

    def __call__(self) -> None:
        from .tasks import record_changes

        self.done = True
        record_changes.enqueue(sorted([record.kind, record.object_id] for record in self.records))


def changes_record(records: Iterable[Record]) -> list[ChangeEvent]:
    """Append the events the records' public state calls for; return them."""
    events = []
    for record in sorted(set(records), key=lambda r: (r.kind, r.object_id)):
        event = _record_one(record)
        if event is not None:
            events.append(event)
    return events


def _document_digest(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _record_one(record: Record) -> ChangeEvent | None:
    from .webhooks import deliveries_create

    with transaction.atomic():
        _take_event_lock()
        state = (
            FeedState.objects.select_for_update().filter(kind=record.kind, object_id=record.object_id).first()
        )
        key = record_key(record)
        document = public_document(key, default_origin()) if key else None
        if document is not None:
            digest = _document_digest(document)
            if state is not None and state.public and state.digest == digest and state.key == key:
                return None
            action = Action.UPDATED if state is not None and state.public else Action.PUBLISHED
        else:
            if state is None or not state.public:
                return None
            action, key, digest = Action.UNPUBLISHED, state.key, ""
        event = ChangeEvent.objects.create(
            kind=record.kind, object_id=record.object_id, action=action, key=key
        )
        state = state or FeedState(kind=record.kind, object_id=record.object_id)
        state.public, state.key, state.digest = action != Action.UNPUBLISHED, key, digest
        state.save()
        deliveries_create(event)
        purge(CHANGES_TAG)
        return event


def _take_event_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_EVENT_LOCK])


def event_document(event: ChangeEvent, origin: str) -> dict:
    """The event as the feed and webhooks send it: a tombstone carries no content; others the record now.

    The content is read when it is sent, never kept: an event whose record is no longer public says so
    (`data` null, `current` false) and a later `unpublished` event follows it.
    """
    data = None
    if event.action != Action.UNPUBLISHED:
        data = public_document(event.key, origin)
    return {
        "id": event.pk,
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "object": {"type": event.kind, "id": event.object_id, "url": f"{origin}{event.key}"},
        "current": data is not None or event.action == Action.UNPUBLISHED,
        "data": data,
    }
