"""The ingest view of ArticleAdmin: upload a raw article, preview the cleaned result, then save it.

Every check on the input (its size, its encoding, whether it holds paragraphs) is made by the ingest
services in `articles/services.py`, as for the `ingest_article` command; the view shows their messages.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from ..models import Annotation
from ..services import article_ingest, article_preview, article_raw_text
from ..textpipeline import IngestInputError, IngestResult
from .annotate import marked_paragraph_html
from .forms import IngestConfirmForm, IngestUploadForm, messages_of

INGEST_TEMPLATE = "admin/articles/article/ingest.html"
INGESTED = "Ingested from an uploaded file"


class IngestViewMixin:
    """The ``ingest/`` view of ArticleAdmin: preview first, save only on confirm."""

    def ingest_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Ingest raw article",
            "opts": self.model._meta,
            "max_bytes": settings.INGEST_MAX_BYTES,
        }
        if request.method != "POST":
            return TemplateResponse(request, INGEST_TEMPLATE, {**context, "form": IngestUploadForm()})
        if "confirm" in request.POST:
            return self._ingest_confirmed(request, context)
        return self._ingest_preview(request, context)

    def _ingest_preview(self, request, context):
        form = IngestUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return TemplateResponse(request, INGEST_TEMPLATE, {**context, "form": form}, status=400)
        upload = form.cleaned_data["raw_file"]
        try:
            raw_text = article_raw_text(size=upload.size, read=upload.read)
            result = article_preview(raw_text=raw_text, require_paragraphs=True)
        except IngestInputError as error:
            form.add_error("raw_file", str(error))
            return TemplateResponse(request, INGEST_TEMPLATE, {**context, "form": form}, status=400)
        upload.seek(0)
        confirm = IngestConfirmForm(
            initial={
                "title": form.cleaned_data["title"],
                "raw_b64": base64.b64encode(upload.read()).decode("ascii"),
            }
        )
        context.update(
            title="Ingest raw article: preview",
            preview=_preview_sections(result),
            report=result,
            confirm=confirm,
            article_title=form.cleaned_data["title"],
            file_name=upload.name,
        )
        return TemplateResponse(request, INGEST_TEMPLATE, context)

    def _ingest_confirmed(self, request, context):
        confirm = IngestConfirmForm(request.POST)
        if not confirm.is_valid():
            return self._ingest_refused(
                request, context, ["The confirmation was incomplete; upload the file again."]
            )
        try:
            article = article_ingest(
                raw_text=_decode_confirmed(confirm.cleaned_data["raw_b64"]),
                title=confirm.cleaned_data["title"],
                created_by=request.user,
                revision_comment=INGESTED,
            )
        except (IngestInputError, ValidationError) as error:
            return self._ingest_refused(request, context, messages_of(error))
        self.log_addition(request, article, INGESTED)
        warnings = len(article.ingest_report.get("warnings", []))
        self.message_user(
            request,
            f"Created the draft “{article}” with {warnings} ingest warning(s) to review.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:articles_article_annotate", args=[quote(article.pk)]))

    def _ingest_refused(self, request, context, errors: list[str]):
        form = IngestUploadForm(initial={"title": request.POST.get("title", "")})
        context.update(form=form, ingest_errors=errors)
        return TemplateResponse(request, INGEST_TEMPLATE, context, status=400)


def _decode_confirmed(raw_b64: str) -> str:
    """Return the text of the previewed file carried by the confirm form, validated again."""
    try:
        data = base64.b64decode(raw_b64, validate=True)
    except ValueError:
        raise IngestInputError("The previewed file did not come back intact; upload it again.") from None
    return article_raw_text(size=len(data), read=lambda: data)


@dataclass
class _PreviewMark:
    pk: int
    start: int
    end: int
    kind: str = Annotation.Kind.INGEST_WARNING
    status: str = Annotation.Status.OPEN


def _preview_sections(result: IngestResult) -> list[dict]:
    """Return the sections and paragraphs of a parse result with each warning's span marked."""
    marks = defaultdict(list)
    for number, warning in enumerate(result.warnings, start=1):
        marks[(warning.section, warning.paragraph)].append(_PreviewMark(number, warning.start, warning.end))
    return [
        {
            "heading": section.heading,
            "paragraphs": [
                {
                    "kind": paragraph.kind,
                    "html": marked_paragraph_html(paragraph.text, marks[(s, p)]),
                    "warnings": [m.pk for m in marks[(s, p)]],
                }
                for p, paragraph in enumerate(section.paragraphs)
            ],
        }
        for s, section in enumerate(result.sections)
    ]
