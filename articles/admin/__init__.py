"""The editors' admin: articles with their text, annotations, workflow, revision history and ingest.

- `article.py`: ArticleAdmin (change form, workflow, history) with its section inline;
- `annotate.py`: the annotate page of an article, and the marks of annotated spans;
- `compare.py`: what changed between two versions of an article;
- `ingest.py`: upload, preview and save a raw article;
- `sections.py`: sections and paragraphs; `annotation.py`: annotations; `topics.py`: topics;
- `forms.py`: the forms of all of them.
"""

from django.contrib import admin

from . import annotation, article, sections, topics  # noqa: F401 - importing registers the ModelAdmins

admin.site.site_header = "百模 Baimo"
admin.site.site_title = "百模 Baimo"
