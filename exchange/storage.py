"""Where a previewed import waits for its confirm: a row in the database, readable by every app process."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from django.conf import settings
from django.utils import timezone
from import_export.tmp_storages import BaseStorage

from .models import PendingImport


class PendingImportGone(Exception):
    """The pending import was already confirmed, or abandoned and purged."""


class DatabaseStorage(BaseStorage):
    """django-import-export's temporary storage, kept in the PendingImport table.

    The database is the one store every app process shares and that imports need anyway, so a confirm
    works whichever process it reaches, keeps working while the cache is down, and `claim()` lets
    exactly one of several confirms of the same file have it.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.model = kwargs.get("model", "")

    def _pending(self):
        return PendingImport.objects.filter(name=self.name, model=self.model)

    def save(self, data):
        if not self.name:
            self.name = uuid4().hex
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        PendingImport.objects.create(name=self.name, model=self.model, data=bytes(data))

    def read(self):
        data = self._pending().values_list("data", flat=True).first()
        if data is None:
            raise PendingImportGone(self.name)
        data = bytes(data)  # PostgreSQL returns a memoryview
        if "b" not in self.read_mode and self.encoding:
            return data.decode(self.encoding)
        return data

    def remove(self):
        self._pending().delete()

    def claim(self):
        """Return the file and delete it, or raise PendingImportGone if another request took it first."""
        data = self.read()
        deleted, _ = self._pending().delete()
        if not deleted:
            raise PendingImportGone(self.name)
        return data


def pending_imports_purge(*, older_than: timedelta | None = None) -> int:
    """Delete the pending imports nobody confirmed in time; return how many."""
    if older_than is None:
        older_than = timedelta(seconds=settings.IMPORTS_PENDING_MAX_AGE)
    deleted, _ = PendingImport.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
