"""Count the SQL queries each benchmark target costs, and say what the database holds.

    DJANGO_SETTINGS_MODULE=config.settings.prod … .venv/bin/python bench/queries.py '{"home": "/"}'

Each path is requested twice through Django's test client with the settings the stack runs with; the
second request, counted with `CaptureQueriesContext`, is the warm one the load sees (caches filled).
No cookies are carried between targets. Prints one JSON document: `queries` per target (status, cold and
warm counts) and `data` (rows readers see, database size).
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from articles.models import Annotation, Article, Paragraph  # noqa: E402
from landscape.models import Quote  # noqa: E402


def count_queries(path: str, host: str) -> dict:
    """Request `path` twice as a new reader would; return the status and both query counts."""
    client = Client(SERVER_NAME=host, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as context:
            response = client.get(path)
        counts.append(len(context.captured_queries))
    return {"status": response.status_code, "cold": counts[0], "queries": counts[1]}


def database_size() -> int | None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
    if connection.vendor == "sqlite":
        name = settings.DATABASES["default"]["NAME"]
        return Path(name).stat().st_size if Path(str(name)).exists() else None
    return None


def data() -> dict:
    published = Article.objects.published()
    return {
        "vendor": connection.vendor,
        "published_articles": published.count(),
        "paragraphs": Paragraph.objects.count(),
        "quotes": Quote.objects.count(),
        "annotations": Annotation.objects.count(),
        "database_bytes": database_size(),
    }


def main(argv: list[str]) -> int:
    paths = json.loads(argv[0])
    host = argv[1] if len(argv) > 1 else "127.0.0.1"
    found = {name: count_queries(path, host) for name, path in paths.items()}
    print(json.dumps({"queries": found, "data": data()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
