"""Live articles in the admin: what readers see, the changes awaiting review, previews and share links.

Views on ArticleAdmin (behind the admin login and the model permissions):

- ``<id>/changes/``: the working copy against the live version (fields, paragraphs, public notes,
  mentions), with the review awaiting a decision; editors publish or send back from here;
- ``<id>/review/<verb>/`` (POST): ``submit`` the changes, ``return`` them with a comment;
- ``<id>/share/`` (POST): a signed, expiring preview link for an outside reviewer;
- ``<id>/versions/``: every published version, with who published it and a preview of each.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from .. import workflow
from ..models import ArticleVersion, ChangeReview
from ..previews import preview_link_token
from ..publication import article_content, live_content
from .compare import compare_contents
from .forms import messages_of


class ReviewViewsMixin:
    def _change_url(self, article):
        return reverse("admin:articles_article_change", args=[quote(article.pk)])

    def live_context(self, request, article) -> dict:
        """What the change page says of the live version, the review and the previews."""
        version = article.live_version
        return {
            "live_version": version,
            "has_unpublished_changes": article.has_unpublished_changes,
            "pending_review": ChangeReview.objects.awaiting().filter(article=article).first(),
            "last_review": ChangeReview.objects.filter(article=article).exclude(decision="pending").first(),
            "preview_url": reverse("preview_article", args=[article.pk]),
            "share_hours": settings.PREVIEW_LINK_DEFAULT_HOURS,
            "share_max_hours": settings.PREVIEW_LINK_MAX_HOURS,
            "can_publish": workflow.can_publish(request.user),
        }

    def changes_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        context = {
            **self._context(request, article, "Changes since publication"),
            **self.live_context(request, article),
        }
        if article.live_version is None:
            context["not_live"] = True
        else:
            context.update(compare_contents(live_content(article.live_version), article_content(article)))
        return TemplateResponse(request, "admin/articles/article/changes.html", context)

    def _posted_article(self, request, object_id):
        """Return the article a POST to one of these views acts on, if the user may change it."""
        article = self._article_or_404(request, object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        return article

    @method_decorator(require_POST)
    def review_view(self, request, object_id, verb):
        article = self._posted_article(request, object_id)
        try:
            if verb == "submit":
                workflow.article_submit_changes(
                    article=article, user=request.user, message=request.POST.get("message", "")
                )
                done = "Changes submitted for review: an editor will publish them or send them back."
            elif verb == "return":
                workflow.article_return_changes(
                    article=article, user=request.user, comment=request.POST.get("comment", "")
                )
                done = "Changes sent back with your comment."
            else:
                raise PermissionDenied
        except (PermissionDenied, ValidationError) as error:
            self.message_user(request, "; ".join(messages_of(error)), messages.ERROR)
        else:
            self.log_change(request, article, done)
            self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(article))

    @method_decorator(require_POST)
    def share_view(self, request, object_id):
        article = self._posted_article(request, object_id)
        try:
            hours = int(request.POST.get("hours", settings.PREVIEW_LINK_DEFAULT_HOURS))
        except ValueError:
            self.message_user(request, "Give the link's lifetime as a whole number of hours.", messages.ERROR)
            return HttpResponseRedirect(self._change_url(article))
        number = request.POST.get("version")
        if number and not ArticleVersion.objects.filter(article=article, number=number).exists():
            self.message_user(request, "That version does not belong to this article.", messages.ERROR)
            return HttpResponseRedirect(self._change_url(article))
        token, expires_at = preview_link_token(article, number=int(number) if number else None, hours=hours)
        url = request.build_absolute_uri(reverse("preview_shared", args=[token]))
        what = f"version {number}" if number else "the working copy"
        self.log_change(request, article, f"Shared a preview of {what} until {expires_at:%Y-%m-%d %H:%M}")
        self.message_user(
            request,
            f"Anyone with this link sees {what} until {expires_at:%Y-%m-%d %H:%M %Z}: {url}",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(article))

    def versions_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        versions = (
            ArticleVersion.objects.filter(article=article).defer("content").select_related("published_by")
        )
        context = {
            **self._context(request, article, "Published versions"),
            "versions": versions,
            "live_id": article.live_version_id,
        }
        return TemplateResponse(request, "admin/articles/article/versions.html", context)
