"""The ingest views of ArticleAdmin: upload raw articles, preview the cleaned result, then save them.

- ``ingest/``: one file with the editor's title; the confirm form carries the file back.
- ``ingest/batch/``: up to INGEST_BATCH_MAX_FILES files at once, each titled by its file name (editable in
  the preview). Every file gets its own preview, or the reason it is refused, before anything is saved;
  the accepted files wait in the database (`exchange.storage`) under a token only their uploader can
  confirm, and each ticked file is then ingested on its own, all or nothing, as `ingest_article` does.

Every check on the input (its size, its encoding, whether it holds paragraphs) is made by the ingest
services in `articles/services.py`, as for the `ingest_article` command; the views show their messages.
"""

from __future__ import annotations

import base64
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from exchange.storage import DatabaseStorage, PendingImportGone, pending_imports_purge

from ..models import Annotation, Article
from ..services import article_ingest, article_preview, article_raw_text
from ..textpipeline import IngestInputError, IngestResult
from .annotate import marked_paragraph_html
from .forms import IngestConfirmForm, IngestUploadForm, messages_of

INGEST_TEMPLATE = "admin/articles/article/ingest.html"
BATCH_TEMPLATE = "admin/articles/article/ingest_batch.html"
INGESTED = "Ingested from an uploaded file"

# A week's scrapes of one outlet; each file is also held to INGEST_MAX_BYTES, as a single upload is, so a
# batch's preview and its wait in the database stay within INGEST_BATCH_MAX_FILES × INGEST_MAX_BYTES.
INGEST_BATCH_MAX_FILES = 20
_TOKEN = re.compile(r"[0-9a-f]{32}")
_TITLE_MAX_LENGTH = Article._meta.get_field("title").max_length


class _MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class _RawFilesField(forms.FileField):
    """Several uploaded files, at most INGEST_BATCH_MAX_FILES; each is checked on its own later."""

    widget = _MultipleFileInput

    def clean(self, data, initial=None):
        files = [upload for upload in (data or []) if upload]
        if not files:
            raise ValidationError("Choose the raw article files to ingest.", code="required")
        if len(files) > INGEST_BATCH_MAX_FILES:
            raise ValidationError(
                f"You chose {len(files)} files; a batch takes at most {INGEST_BATCH_MAX_FILES}. "
                "Ingest them in several batches.",
                code="too_many",
            )
        return files


class IngestBatchUploadForm(forms.Form):
    raw_files = _RawFilesField(
        label="Raw articles (.txt, UTF-8)",
        widget=_MultipleFileInput(attrs={"accept": ".txt,text/plain", "class": "ingest-batch-input"}),
    )


class IngestViewMixin:
    """The ``ingest/`` and ``ingest/batch/`` views of ArticleAdmin: preview first, save only on confirm."""

    def get_urls(self):
        batch = path(
            "ingest/batch/",
            self.admin_site.admin_view(self.ingest_batch_view),
            name="articles_article_ingest_batch",
        )
        return [batch, *super().get_urls()]

    def _ingest_context(self, request, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "max_bytes": settings.INGEST_MAX_BYTES,
            "max_files": INGEST_BATCH_MAX_FILES,
        }

    def ingest_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {
            **self._ingest_context(request, "Ingest raw article"),
            "batch_form": IngestBatchUploadForm(),
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

    # --- Several files: a preview for each, then each ticked one ingested on its own ---------------------

    def ingest_batch_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = self._ingest_context(request, "Ingest a batch of raw articles")
        if request.method != "POST":
            return TemplateResponse(request, BATCH_TEMPLATE, {**context, "form": IngestBatchUploadForm()})
        if "token" in request.POST:
            return self._batch_confirmed(request, context)
        return self._batch_preview(request, context)

    def _batch_preview(self, request, context):
        form = IngestBatchUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return TemplateResponse(request, BATCH_TEMPLATE, {**context, "form": form}, status=400)
        files = [
            _read_upload(number, upload) for number, upload in enumerate(form.cleaned_data["raw_files"], 1)
        ]
        _refuse_duplicates(files)
        accepted = [batch_file for batch_file in files if batch_file.refusal is None]
        token = _pending_save(request.user, files) if accepted else ""
        context.update(
            title="Ingest a batch: preview",
            files=files,
            accepted=len(accepted),
            token=token,
        )
        return TemplateResponse(request, BATCH_TEMPLATE, context)

    def _batch_confirmed(self, request, context):
        token = request.POST.get("token", "")
        storage = _pending_storage(request.user, token)
        try:
            if storage is None:
                raise PendingImportGone(token)
            data = storage.read()
            files = _pending_files(data, preview=False)
            ticked = set(request.POST.getlist("file"))
            if not any(f.refusal is None and str(f.number) in ticked for f in files):
                return self._batch_nothing_ticked(request, context, token, data)
            storage.claim()  # of several confirms of one batch, only one goes on
        except PendingImportGone:
            context.update(
                form=IngestBatchUploadForm(),
                batch_errors=[
                    "This preview is no longer waiting to be saved: it was saved already, it expired, or "
                    "it belongs to another editor. Nothing was saved; upload the files again."
                ],
            )
            return TemplateResponse(request, BATCH_TEMPLATE, context, status=400)
        for batch_file in files:
            batch_file.chosen = str(batch_file.number) in ticked
            batch_file.title = " ".join(request.POST.get(f"title-{batch_file.number}", "").split())
        # What was ingested since the preview is checked again: a file may have become a duplicate.
        _refuse_duplicates(
            [batch_file for batch_file in files if batch_file.chosen], untick_known_titles=False
        )
        outcomes = [self._batch_ingest_one(request, batch_file) for batch_file in files]
        created = sum(outcome.status == "created" for outcome in outcomes)
        refused = sum(outcome.status == "refused" for outcome in outcomes)
        self.message_user(
            request,
            f"Created {created} draft(s); {refused} file(s) refused, "
            f"{len(outcomes) - created - refused} left out.",
            messages.SUCCESS if created and not refused else messages.WARNING,
        )
        context.update(title="Ingest a batch: done", outcomes=outcomes)
        return TemplateResponse(request, BATCH_TEMPLATE, context)

    def _batch_nothing_ticked(self, request, context, token: str, data: bytes):
        """Show the batch's previews again, the titles as the editor left them: nothing was saved."""
        files = _pending_files(data, preview=True)
        _refuse_duplicates(files)
        for batch_file in files:
            batch_file.title = request.POST.get(f"title-{batch_file.number}", batch_file.title)
        context.update(
            title="Ingest a batch: preview",
            files=files,
            accepted=sum(batch_file.refusal is None for batch_file in files),
            token=token,
            batch_errors=["No file was ticked, so nothing was saved: tick the files to ingest."],
        )
        return TemplateResponse(request, BATCH_TEMPLATE, context, status=400)

    def _batch_ingest_one(self, request, batch_file: _BatchFile) -> _Outcome:
        """Ingest one ticked file in its own transaction: a refused file leaves nothing behind."""
        outcome = _Outcome(name=batch_file.name, title=batch_file.title)
        if batch_file.refusal is None and not batch_file.chosen:
            outcome.status = "left out"
            return outcome
        if batch_file.refusal is None and len(batch_file.title) > _TITLE_MAX_LENGTH:
            batch_file.refusal = (
                f"The title is {len(batch_file.title)} characters; the limit is {_TITLE_MAX_LENGTH}."
            )
        if batch_file.refusal is not None:
            outcome.status, outcome.reasons = "refused", [batch_file.refusal]
            return outcome
        comment = f"Ingested {batch_file.name} from an uploaded batch"
        try:
            with transaction.atomic():
                data = batch_file.text.encode()
                article = article_ingest(
                    raw_text=article_raw_text(size=len(data), read=lambda: data),
                    title=batch_file.title,
                    created_by=request.user,
                    revision_comment=comment,
                )
                self.log_addition(request, article, comment)
        except (IngestInputError, ValidationError) as error:
            outcome.status, outcome.reasons = "refused", messages_of(error)
            return outcome
        except IntegrityError:
            outcome.status = "refused"
            outcome.reasons = ["Another article took its address while it was being saved; upload it again."]
            return outcome
        report = article.ingest_report
        outcome.status = "created"
        outcome.title = article.title
        outcome.url = reverse("admin:articles_article_change", args=[quote(article.pk)])
        outcome.annotate_url = reverse("admin:articles_article_annotate", args=[quote(article.pk)])
        outcome.warnings = len(report.get("warnings", []))
        outcome.script_warnings = len(report.get("script_warnings", []))
        return outcome


@dataclass
class _BatchFile:
    """One uploaded file of a batch: its text and preview, or the reason it is refused."""

    number: int
    name: str
    title: str
    text: str = ""
    refusal: str | None = None
    notice: str = ""
    chosen: bool = True
    result: IngestResult | None = None
    preview: list[dict] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """Return the prefix of this file's ids on a page that previews several files."""
        return f"file-{self.number}-"

    @property
    def paragraph_count(self) -> int:
        return sum(len(section["paragraphs"]) for section in self.preview)

    def refuse(self, reason: str) -> None:
        self.refusal, self.result, self.preview, self.text = reason, None, [], ""


@dataclass
class _Outcome:
    """What the confirm did with one file of a batch, for its line in the summary."""

    name: str
    title: str
    status: str = ""
    reasons: list[str] = field(default_factory=list)
    url: str = ""
    annotate_url: str = ""
    warnings: int = 0
    script_warnings: int = 0


def _title_from_name(name: str) -> str:
    """Return the title a file gets before the editor changes it: its name without the extension."""
    return " ".join(PurePath(name).stem.split())[:_TITLE_MAX_LENGTH] or name


def _read_upload(number: int, upload) -> _BatchFile:
    """Return an uploaded file of a batch, previewed, or refused with the ingest service's reason."""
    batch_file = _BatchFile(number=number, name=upload.name, title=_title_from_name(upload.name))
    try:
        text = article_raw_text(size=upload.size, read=upload.read)
    except IngestInputError as error:
        batch_file.refuse(str(error))
        return batch_file
    return _previewed(batch_file, text)


def _previewed(batch_file: _BatchFile, text: str) -> _BatchFile:
    try:
        result = article_preview(raw_text=text, require_paragraphs=True)
    except IngestInputError as error:
        batch_file.refuse(str(error))
        return batch_file
    batch_file.text, batch_file.result, batch_file.preview = text, result, _preview_sections(result)
    return batch_file


def _refuse_duplicates(files: list[_BatchFile], *, untick_known_titles: bool = True) -> None:
    """Refuse a file whose text an article already holds or an earlier file of the batch repeats.

    For the preview, untick with a notice a file whose title an article already has: it is likely the
    same article scraped again, though two articles may share a title, so the editor may tick it again.
    Two queries at most, whatever the batch's size.
    """
    candidates = [batch_file for batch_file in files if batch_file.refusal is None]
    if not candidates:
        return
    ingested = dict(
        Article.objects.filter(raw_text__in={batch_file.text for batch_file in candidates})
        .order_by("pk")
        .values_list("raw_text", "title")
    )
    titled = set()
    if untick_known_titles:
        titles = {batch_file.title for batch_file in candidates}
        titled = set(Article.objects.filter(title__in=titles).values_list("title", flat=True))
    first_with_text: dict[str, str] = {}
    for batch_file in candidates:
        if batch_file.text in ingested:
            batch_file.refuse(f"The article “{ingested[batch_file.text]}” already holds exactly this text.")
        elif batch_file.text in first_with_text:
            batch_file.refuse(f"The same text as {first_with_text[batch_file.text]}, earlier in this batch.")
        else:
            first_with_text[batch_file.text] = batch_file.name
            if batch_file.title in titled:
                batch_file.notice = f"An article titled “{batch_file.title}” already exists; left unticked."
                batch_file.chosen = False


def _pending_key(user) -> str:
    """Return the PendingImport model label of a user's batches: a token confirms for its uploader only."""
    return f"articles.article:ingest:{user.pk}"


def _pending_save(user, files: list[_BatchFile]) -> str:
    """Keep a batch in the database until the confirm, and return its token.

    The accepted files are kept with their text; the refused ones only with their reason, for the summary.
    """
    pending_imports_purge()
    storage = DatabaseStorage(model=_pending_key(user))
    bundle = [
        {"number": f.number, "name": f.name, "title": f.title, "text": f.text, "refusal": f.refusal}
        for f in files
    ]
    storage.save(json.dumps(bundle, ensure_ascii=False).encode())
    return storage.name


def _pending_storage(user, token: str) -> DatabaseStorage | None:
    """Return the storage of a user's own pending batch, or None for a token that cannot be one."""
    if not _TOKEN.fullmatch(token):
        return None
    pending_imports_purge()  # a batch older than IMPORTS_PENDING_MAX_AGE is stale: confirm refuses it
    return DatabaseStorage(name=token, model=_pending_key(user), read_mode="rb")


def _pending_files(data: bytes, *, preview: bool) -> list[_BatchFile]:
    """Return the files a pending batch holds; with preview, each previewed again as ingest sees it now."""
    files = []
    for entry in json.loads(data):
        batch_file = _BatchFile(number=entry["number"], name=entry["name"], title=entry["title"])
        if entry["refusal"] is not None:
            batch_file.refuse(entry["refusal"])
            files.append(batch_file)
        elif preview:
            files.append(_previewed(batch_file, entry["text"]))
        else:
            batch_file.text = entry["text"]
            files.append(batch_file)
    return files


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
