"""The library's admin forms: one image's details and focal point, and a batch upload."""

from __future__ import annotations

from django import forms

from .models import Image, ImageTag
from .validation import allowed_formats


class ImageForm(forms.ModelForm):
    """Title, alt text (required unless decorative: `Image.clean`), credit, licence, tags, focal point."""

    class Meta:
        model = Image
        fields = [
            "title",
            "alt_text",
            "decorative",
            "caption",
            "credit",
            "source_url",
            "licence",
            "tags",
            "focal_x",
            "focal_y",
        ]
        widgets = {
            # Written by the focal-point picker (static/images/focal-point.js) when the image is clicked.
            "focal_x": forms.HiddenInput,
            "focal_y": forms.HiddenInput,
            "caption": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        cleaned = super().clean()
        for axis in ("focal_x", "focal_y"):
            value = cleaned.get(axis)
            if value is not None and not 0 <= value <= 1:
                self.add_error(None, "The focal point must lie on the image: click inside it.")
                break
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by the upload service, which says why it refuses one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else single(data, initial)


def accepted_types() -> str:
    extensions = sorted({f".{ext}" for ext in allowed_formats().values()} | {".jpeg"})
    return ",".join(extensions)


class UploadForm(forms.Form):
    """Several images at once, with the credit, licence and tags they share."""

    files = MultipleFileField(
        label="Images",
        help_text="Choose several files or drop them here. Each gets its own title from its file name.",
    )
    credit = forms.CharField(max_length=200, required=False, help_text="Who made them, such as 圖片來源.")
    source_url = forms.URLField(required=False, label="Source URL")
    licence = forms.ChoiceField(choices=Image.Licence.choices, initial=Image.Licence.ALL_RIGHTS)
    tags = forms.ModelMultipleChoiceField(queryset=ImageTag.objects.all(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs.update({"accept": accepted_types(), "class": "image-upload-input"})
