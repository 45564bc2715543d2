"""Template helpers for annotation notes: `{% load article_notes %}{{ annotation.body|render_note }}`."""

from django import template

from articles.annotations import render_note as render_note_html

register = template.Library()


@register.filter(name="render_note")
def render_note(body: str):
    """Render an annotation's Markdown note as sanitised HTML."""
    return render_note_html(body)
