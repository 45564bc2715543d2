"""The Editor and Contributor roles and their permissions.

Migration 0002 creates the groups; `roles_sync` runs after every migrate (and after the database
flushes of transactional tests) so that permissions of models added later reach the groups too.
"""

from django.contrib.auth.models import Group, Permission

EDITOR = "Editor"
CONTRIBUTOR = "Contributor"
CONTENT_APPS = ("articles", "landscape", "integrations", "images")

# Contributors' permissions in the articles app; in the landscape they only get view_*.
CONTRIBUTOR_ARTICLES = {
    "article": ["add", "change", "view"],
    "section": ["add", "change", "delete", "view"],
    "paragraph": ["add", "change", "delete", "view"],
    "annotation": ["add", "change", "view"],
    "topic": ["view"],
}
# Contributors add images and describe them (alt text, credit, focal point); deleting one is an editor's.
CONTRIBUTOR_IMAGES = {"image": ["add", "change", "view"], "imagetag": ["add", "view"]}


def roles_sync() -> None:
    """Create the two groups if missing and give them every permission their role includes."""
    editor, _ = Group.objects.get_or_create(name=EDITOR)
    editor.permissions.add(*Permission.objects.filter(content_type__app_label__in=CONTENT_APPS))

    contributor, _ = Group.objects.get_or_create(name=CONTRIBUTOR)
    wanted = [f"{action}_{model}" for model, actions in CONTRIBUTOR_ARTICLES.items() for action in actions]
    contributor.permissions.add(
        *Permission.objects.filter(content_type__app_label="articles", codename__in=wanted),
        *Permission.objects.filter(content_type__app_label="landscape", codename__startswith="view_"),
        *Permission.objects.filter(
            content_type__app_label="images",
            codename__in=[
                f"{action}_{model}" for model, actions in CONTRIBUTOR_IMAGES.items() for action in actions
            ],
        ),
    )


def roles_sync_after_migrate(sender, **kwargs) -> None:
    # Django creates each app's permissions in its own post_migrate step, before this receiver.
    if sender.label in CONTENT_APPS:
        roles_sync()
