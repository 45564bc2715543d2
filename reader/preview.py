"""Previews: a working copy or a past version exactly as readers would see it, never as readers do.

Editors open `/preview/articles/<id>/` (the working copy) or `/preview/articles/<id>/<number>/` (a
version) behind their login; an outside reviewer opens `/preview/<token>/` from a share link
(`articles.previews`). Each renders with `reader.views.render_article`, the renderer of live pages, in the
reader's script and pinyin choice, and each answers `noindex` and `private, no-store`: no search engine
lists it, no shared cache keeps it. A preview shows one article; nothing on it names another draft.

An editor's preview may be framed by this site alone (`frame-ancestors 'self'`, `X-Frame-Options:
SAMEORIGIN`): the admin's preview page shows it at a phone's and a desktop's width. Every other page,
share links included, may be framed by no one.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override

from articles.models import Article, ArticleVersion
from articles.previews import PreviewLinkError, PreviewLinkInvalid, preview_link_version
from articles.publication import published_article, working_version
from reader.views import render_article

# The site's policy, but framed by its own pages: the admin's preview frame (articles/admin/review.py).
_FRAMED_BY_THIS_SITE = {**settings.SECURE_CSP, "frame-ancestors": [CSP.SELF]}


def _private(response):
    """Keep a preview out of search engines and shared caches."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _render_preview(request, version: ArticleVersion, *, label: str):
    response = render_article(request, published_article(version), preview=label)
    return _private(response)


@xframe_options_sameorigin
@csp_override(_FRAMED_BY_THIS_SITE)
def preview_article(request, pk: int, number: int | None = None):
    """Show an editor the working copy of an article, or one of its versions, as readers would see it."""
    if not request.user.is_active or not request.user.is_staff:
        return redirect_to_login(request.get_full_path())
    if not request.user.has_perm("articles.view_article"):
        raise PermissionDenied
    article = Article.objects.filter(pk=pk).first()
    if article is None:
        raise Http404("No such article.")
    if number is None:
        return _render_preview(request, working_version(article), label="working copy")
    version = ArticleVersion.objects.filter(article=article, number=number).first()
    if version is None:
        raise Http404("No such version of this article.")
    return _render_preview(request, version, label=f"version {version.number}")


def preview_shared(request, token: str):
    """Show an outside reviewer what a share link names, until it expires."""
    try:
        version = preview_link_version(token)
    except PreviewLinkInvalid as error:
        raise Http404(str(error)) from error
    except PreviewLinkError as error:
        response = render(request, "articles/preview_unavailable.html", {"reason": str(error)}, status=410)
        return _private(response)
    label = "working copy" if version.pk is None else f"version {version.number}"
    return _render_preview(request, version, label=label)
