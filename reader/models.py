"""Stored renders: each live version's page and API document, rendered once and served as stored.

A `StoredRender` holds one surface (the article page or its API document) of one version for one reader's
choice (script, pinyin): one text, served without decoding, with a placeholder where a request puts in
its own values (`reader.rendered`). It is served while its `build` is the running code's and its
`fingerprint` equals the sum of the `changes` of the `RenderInput`s its version depends on: what the
page reads live beside the frozen version (the version's withdrawals, the mentioned companies and people,
its topics, its article's figures, its images). A change to one of those counts one more change, so every
stored render that read it stops being served, and no other.
"""

from django.db import models

from articles.models import ArticleVersion


class StoredRender(models.Model):
    """A live version rendered once for one surface and one reader's choice, ready to serve."""

    class Surface(models.TextChoices):
        PAGE = "page", "Article page"
        API = "api", "API document"

    version = models.ForeignKey(ArticleVersion, on_delete=models.CASCADE, related_name="+")
    surface = models.CharField(max_length=8, choices=Surface)
    variant = models.CharField(
        max_length=8,
        blank=True,
        help_text="The script served: zh-hant or zh-hans; blank for the API's text as stored.",
    )
    pinyin = models.BooleanField(default=False)
    build = models.CharField(max_length=32, help_text="The code and templates that rendered it.")
    fingerprint = models.PositiveBigIntegerField(
        help_text="The changes counted on its version's inputs when it was rendered."
    )
    text = models.TextField(
        help_text="The text as rendered, with a placeholder for every value a request puts in."
    )
    head = models.TextField(
        help_text="What serving it needs beside the text, in JSON: each slot's placeholder, the "
        "front cache's tags of what it shows, and a digest of the text."
    )
    rendered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["version", "surface", "variant", "pinyin"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "surface", "variant", "pinyin"], name="stored_render_unique_choice"
            ),
        ]

    def __str__(self):
        choice = (self.variant or "as stored") + (", pinyin" if self.pinyin else "")
        return f"{self.get_surface_display()} of version {self.version_id} ({choice})"


class RenderInput(models.Model):
    """Something stored renders read live beside their version, with how many times it changed for them."""

    class Kind(models.TextChoices):
        VERSION = "version", "What was withdrawn from a version"
        COMPANY = "company", "A company's publication and address"
        PERSON = "person", "A person's publication and address"
        TOPIC = "topic", "A topic's name and slug"
        FIGURES = "figures", "The charted figures of an article's paragraphs"
        IMAGE = "image", "An image's alt text, credit, caption, crop and renditions"

    kind = models.CharField(max_length=8, choices=Kind)
    object_id = models.PositiveBigIntegerField()
    changes = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["kind", "object_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="render_input_unique_object"),
        ]

    def __str__(self):
        return f"{self.kind} {self.object_id}: {self.changes} changes"


class RenderDependency(models.Model):
    """An input a version's stored renders read: what its content names, fixed when it is published."""

    version = models.ForeignKey(ArticleVersion, on_delete=models.CASCADE, related_name="+")
    input = models.ForeignKey(RenderInput, on_delete=models.CASCADE, related_name="dependencies")

    class Meta:
        ordering = ["version", "input"]
        constraints = [
            models.UniqueConstraint(fields=["version", "input"], name="render_dependency_unique_input"),
        ]

    def __str__(self):
        return f"version {self.version_id} reads {self.input}"
