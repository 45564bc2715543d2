"""Background work, on Django's tasks framework (the database backend and its `db_worker` in production)."""

from django.tasks import task

from .changes import changes_record
from .documents import Record


@task()
def record_changes(records: list[list]) -> int:
    """Record the public changes of [kind, id] pairs; return how many events that made."""
    return len(changes_record(Record(kind, object_id) for kind, object_id in records))


@task()
def deliver_webhook(delivery_id: int) -> str:
    """Try one webhook delivery once; a failure schedules the next try."""
    from .webhooks import delivery_attempt

    return delivery_attempt(delivery_id)
