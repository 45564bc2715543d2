"""Mirror Baimo's public content into an SQLite database by following its change feed.

    python docs/examples/mirror_changes.py https://baimo.example mirror.sqlite3

An integrator's script, using nothing but the standard library: it reads `/api/v1/changes` from the cursor
it saved last time, applies each event (a document replaces the record's row; a tombstone deletes it; an
event that is no longer current is skipped, since a later one follows), and saves the page's `next` with
the rows in one transaction, so an interrupted run goes on where it stopped and applies nothing twice.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import urllib.request
from collections.abc import Callable

SCHEMA = """
CREATE TABLE IF NOT EXISTS record (kind TEXT, id INTEGER, url TEXT, document TEXT, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS cursor (name TEXT PRIMARY KEY, value TEXT);
"""


def mirror(fetch: Callable[[str], dict], database: sqlite3.Connection) -> int:
    """Apply every event after the saved cursor; return how many were applied. `fetch(path)` GETs JSON."""
    database.executescript(SCHEMA)
    row = database.execute("SELECT value FROM cursor WHERE name = 'changes'").fetchone()
    since = row[0] if row else "0"
    applied = 0
    while True:
        page = fetch(f"/api/v1/changes?since={since}&limit=100")
        with database:
            for event in page["items"]:
                kind, record_id = event["object"]["type"], event["object"]["id"]
                if event["type"].endswith(".unpublished"):
                    database.execute("DELETE FROM record WHERE kind = ? AND id = ?", (kind, record_id))
                elif event["current"]:
                    database.execute(
                        "INSERT OR REPLACE INTO record VALUES (?, ?, ?, ?)",
                        (kind, record_id, event["object"]["url"], json.dumps(event["data"], sort_keys=True)),
                    )
                applied += 1
            since = page["next"]
            database.execute("INSERT OR REPLACE INTO cursor VALUES ('changes', ?)", (since,))
        if not page["has_more"]:
            return applied


def main(origin: str, path: str) -> None:
    def fetch(address: str) -> dict:
        with urllib.request.urlopen(origin.rstrip("/") + address, timeout=30) as response:
            return json.load(response)

    print(f"{mirror(fetch, sqlite3.connect(path))} events applied")


if __name__ == "__main__":
    main(*sys.argv[1:3])
