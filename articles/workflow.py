"""Move articles through draft → in review → published or scheduled → archived.

Every transition is a service that checks the user's permission, refuses a transition the current
status does not allow, and records a revision saying who did it. Publishing, scheduling, archiving and
taking a public article back to draft need `articles.publish_article` (the Editor group has it, the
Contributor group does not).

Publishing and scheduling freeze the working copy as the article's live version
(`articles.publication`): what readers see from then on, until an editor publishes again. Publishing an
article that is already published publishes its changes.

A scheduled article needs no job to go live: `Article.objects.published()` treats an article with
status "scheduled" and a publish time that has come as public.
"""

from __future__ import annotations

from datetime import datetime

import reversion
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.versioning import recorded_revision

from .models import Article, ChangeReview
from .publication import article_publish_version

PUBLISH_PERMISSION = "articles.publish_article"
EDIT_PERMISSION = "articles.change_article"

Status = Article.Status

# The statuses each transition may start from.
SUBMIT_FROM = {Status.DRAFT}
PUBLISH_FROM = {Status.DRAFT, Status.REVIEW, Status.SCHEDULED, Status.PUBLISHED}
SCHEDULE_FROM = {Status.DRAFT, Status.REVIEW, Status.SCHEDULED}
ARCHIVE_FROM = {Status.DRAFT, Status.REVIEW, Status.SCHEDULED, Status.PUBLISHED}
RETURN_TO_DRAFT_FROM = {Status.REVIEW, Status.SCHEDULED, Status.PUBLISHED, Status.ARCHIVED}
# Taking an article back from these statuses unpublishes or unschedules it: an editor's decision.
RELEASED_STATUSES = {Status.SCHEDULED, Status.PUBLISHED, Status.ARCHIVED}


def can_publish(user) -> bool:
    """Tell whether the user may publish, schedule and archive articles."""
    return bool(user and user.has_perm(PUBLISH_PERMISSION))


def _require(user, permission: str, action: str) -> None:
    if not (user and user.has_perm(permission)):
        if permission == PUBLISH_PERMISSION:
            raise PermissionDenied(
                f"Only editors may {action} articles: you need the “Can publish, schedule and archive "
                "articles” permission (the Editor group)."
            )
        raise PermissionDenied(f"You may not {action} articles.")


def _check_from(article: Article, allowed: set, action: str) -> None:
    if article.status not in allowed:
        names = ", ".join(sorted(Status(s).label.lower() for s in allowed))
        raise ValidationError(
            f"“{article}” is {article.get_status_display().lower()}; only an article that is {names} "
            f"can be {action}."
        )


def _locked(article: Article) -> Article:
    """Re-read the article under a row lock so two editors cannot race one transition."""
    return Article.objects.select_for_update().get(pk=article.pk)


def _save(article: Article, source: Article, fields: list[str]) -> Article:
    article.save(update_fields=[*fields, "updated_at"])
    # Keep the caller's instance in step with the database.
    for name in [*fields, "updated_at"]:
        setattr(source, name, getattr(article, name))
    return source


def article_submit(*, article: Article, user) -> Article:
    """Send a draft to the editors for review."""
    _require(user, EDIT_PERMISSION, "submit")
    with transaction.atomic(), recorded_revision(user, "Submitted for review"):
        current = _locked(article)
        _check_from(current, SUBMIT_FROM, "submitted for review")
        current.status = Status.REVIEW
        return _save(current, article, ["status"])


def article_publish(*, article: Article, user, acknowledged: list[str] = ()) -> Article:
    """Publish the article now (or its changes, when it is live); an earlier publish time is kept.

    Changes awaiting review are approved with it. `acknowledged` lists what the pre-publish check
    (`articles.checks`) found and the editor chose to publish anyway; the history records it.
    """
    _require(user, PUBLISH_PERMISSION, "publish")
    with transaction.atomic(), recorded_revision(user, "Published"):
        current = _locked(article)
        _check_from(current, PUBLISH_FROM, "published")
        comment = "Published changes" if current.status == Status.PUBLISHED else "Published"
        review = (
            ChangeReview.objects.awaiting().filter(article=current).select_related("submitted_by").first()
        )
        if review is not None:
            _decide(review, user, ChangeReview.Decision.APPROVED)
            comment += f" submitted by {_name(review.submitted_by)}"
        if acknowledged:
            comment += f", despite: {'; '.join(acknowledged)}"
        reversion.set_comment(comment)
        now = timezone.now()
        if current.publish_at is None or current.publish_at > now:
            current.publish_at = now
        current.status = Status.PUBLISHED
        _save(current, article, ["status", "publish_at"])
        article_publish_version(current, user=user, comment=comment)
        article.live_version = current.live_version
        return article


def article_schedule(*, article: Article, user, publish_at: datetime) -> Article:
    """Schedule the article to become public at publish_at, which must lie in the future."""
    _require(user, PUBLISH_PERMISSION, "schedule")
    if publish_at is None:
        raise ValidationError({"publish_at": "Give the time the article should become public."})
    if timezone.is_naive(publish_at):
        publish_at = timezone.make_aware(publish_at)
    if publish_at <= timezone.now():
        raise ValidationError(
            {"publish_at": "A scheduled time must lie in the future; publish it now instead."}
        )
    with transaction.atomic(), recorded_revision(user, f"Scheduled for {publish_at.isoformat()}"):
        current = _locked(article)
        _check_from(current, SCHEDULE_FROM, "scheduled")
        current.status = Status.SCHEDULED
        current.publish_at = publish_at
        _save(current, article, ["status", "publish_at"])
        article_publish_version(current, user=user, comment=f"Scheduled for {publish_at.isoformat()}")
        article.live_version = current.live_version
        return article


def article_archive(*, article: Article, user) -> Article:
    """Take the article off the site but keep it."""
    _require(user, PUBLISH_PERMISSION, "archive")
    with transaction.atomic(), recorded_revision(user, "Archived"):
        current = _locked(article)
        _check_from(current, ARCHIVE_FROM, "archived")
        current.status = Status.ARCHIVED
        return _save(current, article, ["status"])


def article_return_to_draft(*, article: Article, user) -> Article:
    """Send the article back to draft; unpublishing or unscheduling it takes an editor."""
    _require(user, EDIT_PERMISSION, "edit")
    if article.status in RELEASED_STATUSES:
        _require(user, PUBLISH_PERMISSION, "unpublish")
    with transaction.atomic(), recorded_revision(user, "Returned to draft"):
        current = _locked(article)
        _check_from(current, RETURN_TO_DRAFT_FROM, "returned to draft")
        if current.status in RELEASED_STATUSES:
            _require(user, PUBLISH_PERMISSION, "unpublish")
        current.status = Status.DRAFT
        return _save(current, article, ["status"])


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else "someone since removed"


def _decide(review: ChangeReview, user, decision: str, comment: str = "") -> None:
    review.decision = decision
    review.decided_by = user
    review.decided_at = timezone.now()
    review.comment = comment
    review.save(update_fields=["decision", "decided_by", "decided_at", "comment"])


def article_submit_changes(*, article: Article, user, message: str = "") -> ChangeReview:
    """Ask the editors to publish the changes made to a live article's working copy."""
    _require(user, EDIT_PERMISSION, "submit changes to")
    with transaction.atomic(), recorded_revision(user, "Changes submitted for review"):
        current = _locked(article)
        if current.live_version_id is None or current.status not in Article.PUBLIC_STATUSES:
            raise ValidationError(
                f"“{current}” is not live: submit it for review as a whole instead of its changes."
            )
        if not current.has_unpublished_changes:
            raise ValidationError(f"“{current}” has no changes since it was published.")
        if ChangeReview.objects.awaiting().filter(article=current).exists():
            raise ValidationError(f"The changes to “{current}” are already awaiting review.")
        # The article's history shows the step, with who took it and when.
        reversion.add_to_revision(current)
        return ChangeReview.objects.create(article=current, submitted_by=user, message=message.strip())


def article_return_changes(*, article: Article, user, comment: str) -> ChangeReview:
    """Send the changes awaiting review back to who submitted them, with an editor's comment.

    The working copy stays as it is, for the contributor to go on with; readers go on seeing the live
    version.
    """
    _require(user, PUBLISH_PERMISSION, "send back changes to")
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "Say what should change: the comment goes to who submitted them."})
    with transaction.atomic(), recorded_revision(user, f"Changes sent back: {comment}"[:200]):
        current = _locked(article)
        review = ChangeReview.objects.awaiting().filter(article=current).first()
        if review is None:
            raise ValidationError(f"No changes to “{current}” are awaiting review.")
        _decide(review, user, ChangeReview.Decision.RETURNED, comment)
        reversion.add_to_revision(current)
        return review
