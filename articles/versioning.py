"""Register the article models with django-reversion.

An article's revision holds the article with its sections and their paragraphs, so restoring one
brings the text back as it was. Annotations are versioned on their own and are not followed from the
article: restoring an old article deletes what did not exist then, and an annotation must never be lost
that way (the admin re-attaches annotations to the restored text instead).
"""

from contextlib import contextmanager

import reversion

from .models import Annotation, Article, Paragraph, Section, Topic


def register_versioned_models() -> None:
    """Register each article model once (VersionAdmin would otherwise register them without follows)."""
    for model, follow in [
        (Article, ["sections"]),
        (Section, ["paragraphs"]),
        (Paragraph, []),
        (Annotation, []),
        (Topic, []),
    ]:
        if not reversion.is_registered(model):
            reversion.register(model, follow=follow)


@contextmanager
def recorded_revision(user, comment: str):
    """Record the changes made inside as one revision by user (None for a command); join an open one."""
    with reversion.create_revision():
        if user is not None and getattr(user, "is_authenticated", False):
            reversion.set_user(user)
        reversion.set_comment(comment)
        yield
