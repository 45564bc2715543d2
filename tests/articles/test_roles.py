import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db.models.signals import post_migrate

pytestmark = pytest.mark.django_db


def test_roles_come_back_with_every_permission_after_migrate():
    Group.objects.filter(name__in=["Editor", "Contributor"]).delete()
    post_migrate.send(sender=apps.get_app_config("landscape"), app_config=apps.get_app_config("landscape"))
    editor = Group.objects.get(name="Editor")
    contributor = Group.objects.get(name="Contributor")
    editor_perms = set(editor.permissions.values_list("content_type__app_label", "codename"))
    contributor_perms = set(contributor.permissions.values_list("codename", flat=True))
    assert ("articles", "publish_article") in editor_perms
    assert ("landscape", "change_company") in editor_perms
    assert "publish_article" not in contributor_perms
    assert {"add_annotation", "change_paragraph", "view_company"} <= contributor_perms
    assert "change_company" not in contributor_perms
