"""Create the Editor and Contributor groups with their permissions.

Editors may do everything with articles and the landscape, including publish, schedule and archive
(articles.publish_article). Contributors may draft and edit articles, sections and paragraphs, annotate,
and submit for review; they may look at the landscape but not change it, and may never publish.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT_APPS = ["articles", "landscape"]

# Contributors' permissions in the articles app; in the landscape they only get view_*.
CONTRIBUTOR_ARTICLES = {
    "article": ["add", "change", "view"],
    "section": ["add", "change", "delete", "view"],
    "paragraph": ["add", "change", "delete", "view"],
    "annotation": ["add", "change", "view"],
    "topic": ["view"],
}


def make_groups(apps, schema_editor):
    # Permissions are normally created after migrate finishes; this migration needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    editor, _ = Group.objects.get_or_create(name="Editor")
    editor.permissions.add(*Permission.objects.filter(content_type__app_label__in=CONTENT_APPS))

    contributor, _ = Group.objects.get_or_create(name="Contributor")
    wanted = [f"{action}_{model}" for model, actions in CONTRIBUTOR_ARTICLES.items() for action in actions]
    contributor.permissions.add(
        *Permission.objects.filter(content_type__app_label="articles", codename__in=wanted),
        *Permission.objects.filter(content_type__app_label="landscape", codename__startswith="view_"),
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editor", "Contributor"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("landscape", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(make_groups, remove_groups)]
