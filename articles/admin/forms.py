"""The forms of the articles admin: the article, scheduling, annotating, ingest and annotation forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ..annotations import NOTE_MAX_LENGTH
from ..models import Annotation, Article, ArticleVersion, Paragraph, SlugRedirect
from ..services import article_unique_slug

PROVENANCE_FIELDS = list(Article.PROVENANCE_FIELDS)


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "summary",
            "language",
            "topics",
            "lead_image",
            "status",
            "publish_at",
            *PROVENANCE_FIELDS,
            "raw_text",
            "ingest_report",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields[
                "slug"
            ].help_text = "The address: leave it empty to make one from the title in pinyin."

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        if not slug:
            return article_unique_slug(self.cleaned_data.get("title") or "", exclude_pk=self.instance.pk)
        taken = SlugRedirect.objects.filter(old_slug=slug).exclude(article=self.instance.pk).first()
        if taken is not None:
            raise ValidationError(
                f"“{slug}” was the address of “{taken.article}” and still redirects there; delete that "
                "slug redirect first to give the address to this article."
            )
        live = ArticleVersion.objects.live().filter(slug=slug).exclude(article=self.instance.pk).first()
        if live is not None:
            raise ValidationError(
                f"“{slug}” is the address readers have for “{live.title}” until its changes are published; "
                "choose another."
            )
        return slug

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status", self.instance.status)
        publish_at = cleaned.get("publish_at", self.instance.publish_at)
        touched = {"status", "publish_at"} & set(self.changed_data)
        if status == Article.Status.PUBLISHED and publish_at is None:
            # Publishing from the form means "now", as the Publish button does.
            cleaned["publish_at"] = timezone.now()
        if status == Article.Status.SCHEDULED and touched:
            if publish_at is None:
                self.add_error("publish_at", "A scheduled article needs the time it becomes public.")
            elif publish_at <= timezone.now():
                self.add_error("publish_at", "A scheduled time must lie in the future.")
        return cleaned


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label="Publish at",
        help_text="Local time; the article becomes public by itself at that moment.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    def clean_publish_at(self):
        value = self.cleaned_data["publish_at"]
        if value <= timezone.now():
            raise ValidationError("Choose a time in the future; to publish now, use “Publish now”.")
        return value


class AnnotateForm(forms.Form):
    """The span an editor selected (code points of the paragraph text) and the note on it."""

    paragraph = forms.CharField(max_length=32, widget=forms.HiddenInput)
    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    exact = forms.CharField(strip=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=Annotation.Kind.choices, initial=Annotation.Kind.NOTE)
    visibility = forms.ChoiceField(
        choices=Annotation.Visibility.choices,
        initial=Annotation.Visibility.INTERNAL,
        help_text="Public notes appear to readers once the article is published.",
    )
    body = forms.CharField(
        label="Note",
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown: *emphasis*, **strong**, [links](https://…), `code`, lists.",
    )

    def __init__(self, *args, article: Article, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article

    def clean(self):
        cleaned = super().clean()
        anchor = cleaned.get("paragraph")
        start, end, exact = cleaned.get("start"), cleaned.get("end"), cleaned.get("exact")
        if not anchor or start is None or end is None or exact is None:
            raise ValidationError("Select the text to annotate first.")
        paragraph = (
            Paragraph.objects.filter(anchor=anchor, section__article=self.article)
            .select_related("section")
            .first()
        )
        if paragraph is None:
            raise ValidationError(f"The paragraph {anchor} is not part of this article.")
        if not 0 <= start < end <= len(paragraph.text):
            raise ValidationError(
                f"The selection {start}–{end} lies outside paragraph {anchor} "
                f"({len(paragraph.text)} characters); select text inside one paragraph."
            )
        if paragraph.text[start:end] != exact:
            raise ValidationError(
                f"The selected text “{exact[:40]}” is not what paragraph {anchor} holds at {start}–{end} "
                "(it may have been edited since this page was loaded): reload the page and select again."
            )
        cleaned["paragraph_object"] = paragraph
        return cleaned


class IngestUploadForm(forms.Form):
    title = forms.CharField(max_length=300, help_text="The editor's title: the raw text does not carry one.")
    raw_file = forms.FileField(label="Raw article (.txt, UTF-8)")


class IngestConfirmForm(forms.Form):
    title = forms.CharField(max_length=300, widget=forms.HiddenInput)
    # The file travels back as base64 so that browsers cannot rewrite its line ends on the way.
    raw_b64 = forms.CharField(widget=forms.HiddenInput)


class AnnotationAdminForm(forms.ModelForm):
    """Edit a note, or re-attach an annotation by giving its paragraph and span (code points)."""

    class Meta:
        model = Annotation
        fields = ["paragraph", "start", "end", "kind", "visibility", "status", "body"]

    def clean(self):
        cleaned = super().clean()
        paragraph, start, end = cleaned.get("paragraph"), cleaned.get("start"), cleaned.get("end")
        if paragraph is None:
            if not self.instance.pk:
                self.add_error("paragraph", "Choose the paragraph the annotation is on.")
            return cleaned
        if start is not None and end is not None and not 0 <= start < end <= len(paragraph.text):
            self.add_error(
                "end",
                f"The span {start}–{end} is not inside the paragraph ({len(paragraph.text)} characters).",
            )
        return cleaned


def messages_of(error: Exception) -> list[str]:
    """Return the messages of a ValidationError, or the one-line message of another error."""
    if not isinstance(error, ValidationError):
        return [str(error)]
    if hasattr(error, "message_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return list(error.messages)
