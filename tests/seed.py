"""The seed content, loaded once per session and shared by every test that asks for it.

A test asks with a fixture (tests/conftest.py): `seed` for the seed as `make run` loads it, the article and
the landscape; `seed_article` for the seed article alone, loaded by `loaddata` as an editor's fixture would
be; in tests/browser, `seed` for the seed committed into the live database that read-only browser tests
share. Every other test that uses the database gets it empty.

Between tests the database is moved to the level the next test wants. The seed levels are loaded inside a
transaction that stays open while tests nest theirs in it (as TestCase.setUpTestData does per class), so a
test's changes are rolled back with its own transaction and the seed stays; leaving a level rolls the seed
back too. Tests are ordered by level (tests/conftest.py), so each level is loaded once per session.
"""

import enum
import io

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from articles.publication import publish_missing_versions

SEED_SLUG = "one-year-after-chatgpt-hundred-model-war"
SEED_ARTICLE_FIXTURE = settings.BASE_DIR / "fixtures" / "seed_article.json"


class Level(enum.IntEnum):
    """What the database holds, in the order tests run: each level is loaded once."""

    EMPTY = 0
    ARTICLE = 1  # the seed article alone, inside the session's transaction
    SEED = 2  # the whole seed as load_seed leaves it, inside the session's transaction
    LIVE_SEED = 3  # the whole seed, committed, for the live server of read-only browser tests


# The fixture that asks for each level; the first one a test uses decides.
LEVEL_FIXTURES = {"_live_seed": Level.LIVE_SEED, "seed": Level.SEED, "seed_article": Level.ARTICLE}


def level_wanted(item) -> Level | None:
    """Return the level a test needs the database at, or None when it does not touch the database."""
    names = getattr(item, "fixturenames", ())
    for name, level in LEVEL_FIXTURES.items():
        if name in names:
            return level
    marker = item.get_closest_marker("django_db")
    if marker or {"db", "transactional_db", "live_server"} & set(names):
        return Level.EMPTY
    return None


class SeededDatabase:
    """The test database and the seed level it is at; moved only between tests."""

    def __init__(self):
        self.blocker = None  # django_db_blocker, once the test database exists
        self.level = Level.EMPTY
        self.wanted = Level.EMPTY
        self._atomic = None

    def start(self, blocker):
        self.blocker = blocker
        self.move_to(self.wanted)

    def want(self, level: Level | None):
        if level is None:
            return
        self.wanted = level
        if self.blocker is not None:
            self.move_to(level)

    def move_to(self, level: Level):
        if level == self.level:
            return
        with self.blocker.unblock():
            self._leave()
            if level == Level.ARTICLE:
                self._begin()
                call_command("loaddata", str(SEED_ARTICLE_FIXTURE), verbosity=0)
                # As `manage.py publish_missing_versions` (and `migrate`) would after an editor's loaddata.
                publish_missing_versions()
            elif level == Level.SEED:
                self._begin()
                call_command("load_seed", verbosity=0, stdout=io.StringIO())
            elif level == Level.LIVE_SEED:
                call_command("load_seed", verbosity=0, stdout=io.StringIO())
        self.level = level

    def _begin(self):
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def _leave(self):
        if self._atomic is not None:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
            self._atomic = None
        elif self.level == Level.LIVE_SEED:
            # As TransactionTestCase leaves the database after a test; post_migrate restores the groups.
            call_command("flush", verbosity=0, interactive=False, database=connection.alias)
        self.level = Level.EMPTY


DATABASE = SeededDatabase()
