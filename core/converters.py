"""Path converters that accept exactly the values a page can have, so anything else is a 404 before a query.

A NUL, a space or a stray `%` in a path segment never reaches the database (PostgreSQL refuses a NUL
with an error, which would otherwise be a 500).
"""

import re

from core.variants import VARIANTS


class UnicodeSlugConverter:
    """A slug as `SlugField(allow_unicode=True)` accepts it: letters, digits, `_` and `-` of any script."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ScriptVariantConverter(UnicodeSlugConverter):
    """One of the scripts the site can be read in (`zh-hant`, `zh-hans`)."""

    regex = "|".join(re.escape(variant) for variant in VARIANTS)


class OnOffConverter(UnicodeSlugConverter):
    regex = "on|off"
