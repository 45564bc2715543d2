"""Live articles in the admin: what readers see, the changes awaiting review, previews and share links.

Views on ArticleAdmin (behind the admin login and the model permissions):

- ``<id>/changes/``: the working copy against the live version (fields, paragraphs, public notes,
  mentions), with the review awaiting a decision; editors publish or send back from here;
- ``<id>/review/<verb>/`` (POST): ``submit`` the changes, ``return`` them with a comment;
- ``<id>/share/`` (POST): a signed, expiring preview link for an outside reviewer;
- ``<id>/versions/``: every published version, with who published it and a preview of each;
- ``<id>/preview/``: the working copy (or ``?version=<number>``) framed at a phone's and a desktop's width,
  in either script and with or without pinyin (the frames show `reader.preview`'s pages).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from core.variants import HANS, HANT

from .. import workflow
from ..models import ArticleVersion, ChangeReview
from ..previews import preview_link_token
from ..publication import article_content, live_content
from .compare import compare_contents
from .forms import messages_of

# The widths the preview frame shows a page at: the phone and the desktop every reader page is made for.
PREVIEW_WIDTHS = {"phone": 390, "desktop": 1280}
PREVIEW_HEIGHTS = {"phone": 844, "desktop": 900}
PREVIEW_LAYOUTS = {"both": "Side by side", "phone": "Phone", "desktop": "Desktop"}
# The last edit of the text, notes and mentions a page showed (`Article.edited_at`), which the change
# form's conflict check (core.conflicts) does not cover: a publish from that page refuses what it did
# not show.
OPENED_EDIT = "_opened_edit"


def edit_mark(article) -> str:
    """Return what identifies the last edit of the article's working copy."""
    return article.edited_at.isoformat() if article.edited_at else ""


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
            "preview_url": reverse("admin:articles_article_preview", args=[quote(article.pk)]),
            "share_hours": settings.PREVIEW_LINK_DEFAULT_HOURS,
            "share_max_hours": settings.PREVIEW_LINK_MAX_HOURS,
            "can_publish": workflow.can_publish(request.user),
            # What this page shows of the text: a publish from it refuses an edit made since.
            "opened_edit": edit_mark(article),
            "opened_edit_field": OPENED_EDIT,
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

    def preview_frame_view(self, request, object_id):
        """Show the working copy (or a version) as readers would, at a phone's and a desktop's width."""
        article = self._article_or_404(request, object_id)
        if not request.user.has_perm("articles.view_article"):
            raise PermissionDenied  # the framed preview asks for the same permission
        version = None
        if number := request.GET.get("version"):
            version = (
                ArticleVersion.objects.filter(article=article, number=number).only("number").first()
                if number.isdigit()
                else None
            )
            if version is None:
                raise Http404("No such version of this article.")
        choice = {
            "version": str(version.number) if version else "",
            "layout": request.GET.get("layout") if request.GET.get("layout") in PREVIEW_LAYOUTS else "both",
            "variant": HANS if request.GET.get("variant") == HANS else HANT,
            "pinyin": "1" if request.GET.get("pinyin") == "1" else "0",
        }

        def this_page(**changes) -> str:
            query = {name: value for name, value in {**choice, **changes}.items() if value}
            return f"{request.path}?{urlencode(query)}"

        # Both preferences travel in the frame's URL, so the editor's own reading cookies do not decide.
        source = (
            reverse("preview_version", args=[article.pk, version.number])
            if version
            else reverse("preview_article", args=[article.pk])
        )
        frame_url = f"{source}?{urlencode({'variant': choice['variant'], 'pinyin': choice['pinyin']})}"
        shown = [choice["layout"]] if choice["layout"] != "both" else list(PREVIEW_WIDTHS)
        what = f"version {version.number}" if version else "the working copy"
        context = {
            **self._context(request, article, f"Preview of {what}"),
            "what": what,
            "choice": choice,
            "frame_url": frame_url,
            "frames": [
                {
                    "name": name,
                    "width": PREVIEW_WIDTHS[name],
                    "height": PREVIEW_HEIGHTS[name],
                    "label": f"{name.capitalize()}, {PREVIEW_WIDTHS[name]} px",
                }
                for name in shown
            ],
            "layouts": [
                {"label": label, "url": this_page(layout=name), "current": name == choice["layout"]}
                for name, label in PREVIEW_LAYOUTS.items()
            ],
            "scripts": [
                {
                    "label": label,
                    "lang": lang,
                    "url": this_page(variant=variant),
                    "current": variant == choice["variant"],
                }
                for variant, label, lang in ((HANT, "繁體", "zh-Hant"), (HANS, "简体", "zh-Hans"))
            ],
            "pinyin_url": this_page(pinyin="0" if choice["pinyin"] == "1" else "1"),
            "versions_url": reverse("admin:articles_article_versions", args=[quote(article.pk)]),
        }
        return TemplateResponse(request, "admin/articles/article/preview_frame.html", context)
