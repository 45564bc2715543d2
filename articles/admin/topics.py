"""The admin of topics."""

from django.contrib import admin

from core.conflicts import EditConflictMixin
from core.versioning import RestoringVersionAdmin

from ..models import Topic


@admin.register(Topic)
class TopicAdmin(EditConflictMixin, RestoringVersionAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
