"""Share links: a signed, expiring address at which an outside reviewer sees a working copy or a version.

    preview_link_token(article, number=None, hours=…) -> (token, expires_at)
    preview_link_version(token) -> ArticleVersion      # raises PreviewLinkError saying why not

The token names the article and the version number (none for the working copy, which the reviewer then
sees as it stands each time the link is opened) and the moment it stops working; Django's signing makes
it tamper-proof, and the editor's choice of lifetime is bounded by `PREVIEW_LINK_MAX_HOURS`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

from .models import Article, ArticleVersion
from .publication import working_version

_SALT = "baimo.articles.preview-link"


class PreviewLinkError(Exception):
    """A share link that cannot be opened; the message says why, in words a reviewer understands."""


class PreviewLinkInvalid(PreviewLinkError):
    """Not a share link this site made: a typo, a cut-off copy or a forgery."""


def preview_link_token(article: Article, *, number: int | None = None, hours: int) -> tuple[str, datetime]:
    """Return a token opening the article's working copy (or version `number`) for `hours` hours."""
    hours = max(1, min(int(hours), settings.PREVIEW_LINK_MAX_HOURS))
    expires_at = timezone.now() + timedelta(hours=hours)
    payload = {"a": article.pk, "v": number, "e": int(expires_at.timestamp())}
    return signing.dumps(payload, salt=_SALT, compress=True), expires_at


def preview_link_version(token: str) -> ArticleVersion:
    """Return what a share link shows: a saved version, or the working copy as an unsaved version."""
    try:
        payload = signing.loads(token, salt=_SALT)
        article_id, number, expires = int(payload["a"]), payload["v"], int(payload["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise PreviewLinkInvalid("This preview link is not valid: check that it was copied whole.") from error
    expires_at = datetime.fromtimestamp(expires, tz=UTC)
    if expires_at <= timezone.now():
        raise PreviewLinkError(
            f"This preview link expired on {timezone.localtime(expires_at):%Y-%m-%d %H:%M %Z}; ask the "
            "editor who sent it for a new one."
        )
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        raise PreviewLinkError("The article this preview link showed no longer exists.")
    if number is None:
        return working_version(article)
    version = ArticleVersion.objects.filter(article=article, number=number).first()
    if version is None:
        raise PreviewLinkError("The version this preview link showed no longer exists.")
    return version
