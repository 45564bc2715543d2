"""The media library: an image is a cited, credited record, with its renditions made once per size."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


def original_name(instance: Image, filename: str) -> str:
    """Name a stored original by its content, never by what the uploader called the file."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "img"
    return f"images/originals/{instance.content_hash[:32]}.{extension}"


class ImageTag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ImageQuerySet(models.QuerySet):
    def presentable(self):
        """Images a reader may be shown: alt text given, or marked decorative."""
        return self.filter(Q(decorative=True) | ~Q(alt_text=""))

    def with_renditions(self):
        """Images with their renditions prefetched, so `picture()` runs no query per image."""
        return self.prefetch_related("renditions")


class Image(models.Model):
    class Licence(models.TextChoices):
        ALL_RIGHTS = "all-rights", "All rights reserved (used with permission)"
        CC_BY = "cc-by", "CC BY"
        CC_BY_SA = "cc-by-sa", "CC BY-SA"
        CC0 = "cc0", "CC0 / public domain"
        PRESS = "press", "Press kit / handout"
        SCREENSHOT = "screenshot", "Screenshot (fair use)"
        OWN = "own", "Our own"

    title = models.CharField(max_length=200)
    # Stored without any GPS position and never served: readers and editors see renditions only.
    file = models.ImageField(upload_to=original_name, max_length=200)
    # Upright, as shown (EXIF orientation applied): what renditions and the focal point are measured on.
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    content_hash = models.CharField(max_length=64, editable=False)
    alt_text = models.CharField(
        max_length=300, blank=True, help_text="What the image shows, for readers who cannot see it."
    )
    decorative = models.BooleanField(
        default=False, help_text="Adds nothing a reader needs: screen readers skip it."
    )
    caption = models.TextField(blank=True)
    credit = models.CharField(max_length=200, blank=True)
    source_url = models.URLField(blank=True)
    licence = models.CharField(max_length=16, choices=Licence, default=Licence.ALL_RIGHTS)
    focal_x = models.FloatField(default=0.5)
    focal_y = models.FloatField(default=0.5)
    tags = models.ManyToManyField(ImageTag, blank=True, related_name="images")
    gps_removed = models.BooleanField(default=False, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="image_focal_point_inside",
            ),
            # The same file is one image, however often it is uploaded (images/services.py).
            models.UniqueConstraint(fields=["content_hash"], name="image_unique_content"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if not self.decorative and not self.alt_text.strip():
            raise ValidationError(
                {
                    "alt_text": "Describe what the image shows for readers who cannot see it, "
                    "or mark it decorative if it adds nothing they need."
                }
            )


class Rendition(models.Model):
    """One size of one image in one format, made on upload and never on a reader's request."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    spec = models.CharField(max_length=32)
    format = models.CharField(max_length=8)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    file = models.FileField(upload_to="images/renditions/", max_length=200)

    class Meta:
        ordering = ["image_id", "spec", "width", "format"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "spec", "width", "format"], name="rendition_unique_size"
            ),
        ]

    def __str__(self):
        return f"{self.image_id}:{self.spec}:{self.width}w.{self.format}"
