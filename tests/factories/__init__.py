"""Factory functions for test data, one module per app; each returns saved objects.

Import them from here: `from tests.factories import make_article, make_company`.
"""

from tests.factories.articles import (
    first_paragraph,
    make_annotation,
    make_article,
    paragraphs,
    publish,
    set_text,
)
from tests.factories.landscape import (
    make_alias,
    make_company,
    make_figure,
    make_mention,
    make_person,
    make_quote,
)

__all__ = [
    "first_paragraph",
    "make_alias",
    "make_annotation",
    "make_article",
    "make_company",
    "make_figure",
    "make_mention",
    "make_person",
    "make_quote",
    "paragraphs",
    "publish",
    "set_text",
]
