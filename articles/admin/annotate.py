"""The annotate page of an article: its text with the annotations marked, and the forms on it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise
from typing import Protocol

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import SafeString

from core.rendering import Span, render_paragraph

from ..annotations import annotation_create, annotation_reopen, annotation_resolve, render_note
from ..models import Annotation, Paragraph
from .forms import AnnotateForm, messages_of


class Mark(Protocol):
    """What a marked span needs: an annotation, or an ingest warning not saved yet."""

    pk: int
    start: int
    end: int
    kind: str
    status: str


def marked_paragraph_html(text: str, marks: Sequence[Mark]) -> SafeString:
    """Return the paragraph text as HTML with each annotated span in a <mark>.

    The marks add no characters, so the element's textContent is exactly the stored text and the
    annotate script can count offsets on it. Where annotations overlap, each piece gets one <mark>
    naming all the annotations over it, which the script reads when the piece is clicked.
    """
    marks = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    spans = []
    for start, end in pairwise(cuts):
        covering = [m for m in marks if m.start <= start and end <= m.end]
        if not covering:
            continue
        ids = " ".join(str(m.pk) for m in covering)
        classes = {f"kind-{m.kind}" for m in covering} | {f"is-{m.status}" for m in covering}
        attrs = (("data-annotations", ids), ("class", " ".join(sorted(classes))))
        spans.append(Span(start=start, end=end, tag="mark", attrs=attrs))
    return render_paragraph(text, spans)


class AnnotateViewsMixin:
    """The ``<id>/annotate/`` views of ArticleAdmin: select a span, annotate it, resolve annotations."""

    def annotate_view(self, request, object_id, form=None, status=200):
        article = self._article_or_404(request, object_id)
        paragraphs = Paragraph.objects.order_by("position", "pk")
        sections = list(
            article.sections.order_by("position", "pk").prefetch_related(
                Prefetch("paragraphs", queryset=paragraphs)
            )
        )
        annotations = list(
            article.annotations.select_related("paragraph", "created_by", "resolved_by").order_by(
                "paragraph__section__position", "paragraph__position", "start", "pk"
            )
        )
        by_paragraph = defaultdict(list)
        for annotation in annotations:
            by_paragraph[annotation.paragraph_id].append(annotation)
        for section in sections:
            for paragraph in section.paragraphs.all():
                placed = [a for a in by_paragraph[paragraph.pk] if a.is_placed_in(paragraph.text)]
                paragraph.marked_html = marked_paragraph_html(paragraph.text, placed)
        for annotation in annotations:
            annotation.note_html = render_note(annotation.body)
        warnings = [a for a in annotations if a.kind == Annotation.Kind.INGEST_WARNING]
        notes = [a for a in annotations if a.kind != Annotation.Kind.INGEST_WARNING]
        context = {
            **self._context(request, article, "Annotate"),
            "sections": sections,
            "open_notes": [a for a in notes if a.status == Annotation.Status.OPEN],
            "resolved_notes": [a for a in notes if a.status == Annotation.Status.RESOLVED],
            "warnings": warnings,
            "open_warnings": sum(1 for a in warnings if a.status == Annotation.Status.OPEN),
            "orphaned_total": sum(1 for a in annotations if a.orphaned or a.paragraph_id is None),
            "form": form or AnnotateForm(article=article),
            "can_annotate": request.user.has_perm("articles.add_annotation"),
            "can_resolve": request.user.has_perm("articles.change_annotation"),
            "can_edit_text": request.user.has_perm("articles.change_paragraph"),
        }
        return TemplateResponse(request, "admin/articles/article/annotate.html", context, status=status)

    def annotate_add_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_or_404(request, object_id)
        if not request.user.has_perm("articles.add_annotation"):
            raise PermissionDenied
        form = AnnotateForm(request.POST, article=article)
        if form.is_valid():
            data = form.cleaned_data
            try:
                annotation = annotation_create(
                    paragraph=data["paragraph_object"],
                    start=data["start"],
                    end=data["end"],
                    kind=data["kind"],
                    visibility=data["visibility"],
                    body=data["body"],
                    created_by=request.user,
                )
            except ValidationError as error:
                for message in messages_of(error):
                    form.add_error(None, message)
            else:
                self.message_user(request, f"Annotated “{annotation.exact[:40]}”.", messages.SUCCESS)
                url = reverse("admin:articles_article_annotate", args=[quote(article.pk)])
                return HttpResponseRedirect(f"{url}#annotation-{annotation.pk}")
        return self.annotate_view(request, object_id, form=form, status=400)

    def annotation_status_view(self, request, object_id, annotation_id, verb):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_or_404(request, object_id)
        annotation = get_object_or_404(Annotation, pk=annotation_id, article=article)
        services = {"resolve": annotation_resolve, "reopen": annotation_reopen}
        if verb not in services:
            raise Http404("Unknown action.")
        services[verb](annotation=annotation, user=request.user)
        done = "Resolved" if verb == "resolve" else "Reopened"
        self.message_user(request, f"{done}: {annotation}.", messages.SUCCESS)
        url = reverse("admin:articles_article_annotate", args=[quote(article.pk)])
        return HttpResponseRedirect(f"{url}#annotation-{annotation.pk}")
