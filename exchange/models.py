from django.db import models


class PendingImport(models.Model):
    """An uploaded file whose dry run passed, waiting for the editor to confirm it.

    It lives in the database, which every app process shares, so the confirm may reach any process; it
    is deleted when it is confirmed, and `manage.py purge_pending_imports` (also run by every new
    import) deletes the ones left unconfirmed for longer than IMPORTS_PENDING_MAX_AGE.
    """

    name = models.CharField(max_length=64, unique=True)
    model = models.CharField(max_length=100, help_text="The app label and model the file is imported into.")
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.model} import {self.name}"
