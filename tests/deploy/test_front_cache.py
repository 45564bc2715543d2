"""The production topology on one machine, read through Varnish: what it keeps, and how fast a change shows.

`scripts/stack` starts two gunicorn instances of the production settings on their own PostgreSQL database
(the seed loaded: copied from a seeded template, made again when the code changes) with Varnish in front
(deploy/varnish/baimo.vcl). Editors' actions run as `manage.py` commands against that database, as on a
server; readers' requests go through Varnish. Ports 8790-8799 on 127.0.0.1, Redis database 7.
"""

import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.seed import SEED_SLUG

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "scripts" / "stack"
PORTS = {"varnish": 8790, "apps": "8791 8792"}
FRONT = f"http://127.0.0.1:{PORTS['varnish']}"
ARTICLE = f"/articles/{SEED_SLUG}/"

VARNISHD = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin")

pytestmark = [
    pytest.mark.skipif(VARNISHD is None, reason="Debian's varnish is not installed (no varnishd)"),
    pytest.mark.skipif(shutil.which("psql") is None, reason="needs PostgreSQL's client (psql)"),
    # The stack has its own PostgreSQL database whatever the suite's: CI runs it once, in the SQLite pass.
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the stack runs on its own database: once per CI run, in the SQLite pass",
    ),
]


@pytest.fixture(scope="module")
def stack():
    # Varnish compiles its configuration as its own unprivileged user, who must read the directory.
    directory = tempfile.mkdtemp(prefix="baimo-stack-test-")
    os.chmod(directory, 0o755)
    env = {
        **os.environ,
        "STACK_DIR": directory,
        "STACK_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/baimo_stack_test",
        "STACK_REDIS_URL": "redis://127.0.0.1:6379/7",
        "STACK_VARNISH_PORT": str(PORTS["varnish"]),
        "STACK_APP_PORTS": PORTS["apps"],
        # A database left by an earlier run would hold its edits: start from the seed every time.
        "STACK_FRESH": "1",
        "STACK_SEED_TEMPLATE": "baimo_stack_test_seed",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    started = subprocess.run([str(STACK), "start"], env=env, capture_output=True, text=True, timeout=300)
    if started.returncode != 0:
        logs = "".join(f"--- {log.name}\n{log.read_text()[-2000:]}" for log in Path(directory).glob("*.log"))
        subprocess.run([str(STACK), "stop"], env=env, capture_output=True, timeout=60)
        pytest.fail(started.stdout[-3000:] + started.stderr[-3000:] + logs)
    exports = subprocess.run([str(STACK), "env"], env=env, capture_output=True, text=True, check=True).stdout
    app_env = dict(env)
    for line in exports.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        app_env[name] = value.strip("'")
    yield app_env
    subprocess.run([str(STACK), "stop"], env=env, capture_output=True, timeout=60)
    shutil.rmtree(directory, ignore_errors=True)


def manage(env, code: str) -> str:
    """Run Python in `manage.py shell` against the stack's database, as an editor on the server would."""
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def get(path: str, headers: dict | None = None):
    request = urllib.request.Request(FRONT + path, headers=headers or {})
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def until(predicate, seconds: float) -> float:
    """Poll `predicate` until it holds; return how long that took, failing after `seconds`."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > seconds:
            pytest.fail(f"not within {seconds} s")
        time.sleep(0.02)


EDITOR = (
    "from django.contrib.auth import get_user_model; from django.contrib.auth.models import Group; "
    "from articles import roles, workflow; from articles.models import Article; "
    "editor, _ = get_user_model().objects.get_or_create(username='stack-editor'); "
    "editor.groups.add(Group.objects.get(name=roles.EDITOR)); "
    "editor = get_user_model().objects.get(pk=editor.pk); "
    f"article = Article.objects.get(slug='{SEED_SLUG}'); "
)


def test_a_page_is_fetched_once_then_served_from_the_front_cache_without_its_tags(stack):
    status, first, _ = get(ARTICLE)
    assert status == 200 and first["X-Cache"] == "MISS"
    status, again, body = get(ARTICLE)
    assert status == 200 and again["X-Cache"] == "HIT" and int(again["Age"]) >= 0
    assert "s-maxage=" in again["Cache-Control"] and "max-age=0" in again["Cache-Control"]
    assert "Cache-Tags" not in again  # for Varnish only
    assert '<link rel="alternate" hreflang="zh-Hans"' in body


def test_the_api_is_kept_too(stack):
    path = f"/api/v1/articles/{SEED_SLUG}"
    get(path)
    status, headers, _ = get(path)
    assert status == 200 and headers["X-Cache"] == "HIT"
    assert "RateLimit-Remaining" not in headers  # counted against nobody


def test_static_files_are_kept_too(stack):
    get("/static/css/baimo.css")
    status, headers, _ = get("/static/css/baimo.css")
    assert status == 200 and headers["X-Cache"] == "HIT"


def test_each_script_and_the_pinyin_layer_have_their_own_cached_address(stack):
    get(ARTICLE)
    status, headers, body = get(f"{ARTICLE}?variant=zh-hans")
    assert status == 200 and headers["X-Cache"] == "MISS"
    status, headers, body = get(f"{ARTICLE}?variant=zh-hans")
    assert status == 200 and headers["X-Cache"] == "HIT" and 'lang="zh-Hans"' in body
    assert 'lang="zh-Hant"' in get(ARTICLE)[2]
    get(f"{ARTICLE}?pinyin=1")
    status, headers, body = get(f"{ARTICLE}?pinyin=1")
    assert headers["X-Cache"] == "HIT" and "<ruby>" in body
    # One copy per choice, whatever order the parameters come in.
    get(f"{ARTICLE}?variant=zh-hans&pinyin=1")
    status, headers, body = get(f"{ARTICLE}?pinyin=1&variant=zh-hans")
    assert headers["X-Cache"] == "HIT" and 'lang="zh-Hans"' in body and "<ruby>" in body
    # The reader's remembered choice sends them to its address; that answer is theirs alone.
    for _ in range(2):
        status, headers, _ = get(ARTICLE, {"Cookie": "variant=zh-hans"})
        assert status == 302 and headers["Location"].endswith("?variant=zh-hans")
        assert "private" in headers["Cache-Control"] and headers["X-Cache"] == "MISS"
    # Whoever's cookies say what the address says shares the cached page.
    status, headers, body = get(f"{ARTICLE}?variant=zh-hans", {"Cookie": "variant=zh-hans; sessionid=x"})
    assert status == 200 and headers["X-Cache"] == "HIT" and 'lang="zh-Hans"' in body
    status, headers, body = get(ARTICLE, {"Cookie": "variant=zh-hant"})
    assert status == 200 and headers["X-Cache"] == "HIT" and 'lang="zh-Hant"' in body
    # What no reader reads as a page is shared whatever the cookies remember.
    get("/sitemap.xml")
    assert get("/sitemap.xml", {"Cookie": "variant=zh-hans; pinyin=1"})[1]["X-Cache"] == "HIT"


def test_unpublishing_takes_the_page_off_the_front_cache_within_a_second_and_publishing_brings_it_back(stack):
    for path in (ARTICLE, f"{ARTICLE}?variant=zh-hans", "/articles/", "/"):
        get(path)
        assert get(path)[1]["X-Cache"] == "HIT", path
    manage(stack, EDITOR + "workflow.article_archive(article=article, user=editor)")
    took = until(lambda: get(ARTICLE)[0] == 404, seconds=1.0)
    assert took < 1.0
    assert get(f"{ARTICLE}?variant=zh-hans")[0] == 404
    assert SEED_SLUG not in get("/articles/")[2] and SEED_SLUG not in get("/")[2]
    # The 404 is kept too, until the article is published again.
    assert get(ARTICLE)[1]["X-Cache"] == "HIT"

    manage(
        stack,
        EDITOR + "workflow.article_return_to_draft(article=article, user=editor); "
        "workflow.article_publish(article=article, user=editor)",
    )
    until(lambda: get(ARTICLE)[0] == 200, seconds=1.0)
    assert SEED_SLUG in get("/articles/")[2]


def test_a_change_to_what_a_page_shows_bans_it_and_nothing_else(stack):
    get(ARTICLE)
    get("/quotes/")
    assert get(ARTICLE)[1]["X-Cache"] == "HIT" and get("/quotes/")[1]["X-Cache"] == "HIT"
    # A note made internal leaves the article page at once; the quotes list did not show it.
    manage(
        stack,
        "from articles.models import Annotation; "
        f"note = Annotation.objects.public().filter(article__slug='{SEED_SLUG}').first(); "
        "note.visibility = Annotation.Visibility.INTERNAL; note.save()",
    )
    until(lambda: get(ARTICLE)[1]["X-Cache"] == "MISS", seconds=1.0)
    assert get("/quotes/")[1]["X-Cache"] == "HIT"


def test_renaming_a_company_purges_the_article_pages_that_show_it(stack):
    pages = (ARTICLE, f"{ARTICLE}?variant=zh-hans", "/companies/baichuan/", "/articles/")
    for path in pages:
        get(path)
        assert get(path)[1]["X-Cache"] == "HIT", path
    manage(
        stack,
        "from landscape.models import Company; company = Company.objects.get(slug='baichuan'); "
        "company.name_zh = '百川智能科技'; company.save()",
    )
    until(lambda: get(ARTICLE)[1]["X-Cache"] == "MISS", seconds=1.0)
    assert get(f"{ARTICLE}?variant=zh-hans")[1]["X-Cache"] == "MISS"
    assert "百川智能科技" in get("/companies/baichuan/")[2]
    # The list of articles names no company: it stays.
    assert get("/articles/")[1]["X-Cache"] == "HIT"


def test_editors_pages_and_previews_never_come_from_the_front_cache(stack):
    for path in ("/admin/login/", "/preview/not-a-token/", "/reading/script/zh-hans/"):
        get(path)
        _status, headers, _ = get(path)
        assert headers.get("X-Cache") == "MISS", path
        assert "s-maxage" not in headers.get("Cache-Control", ""), path


def test_only_this_machine_may_ban_and_only_by_tag(stack):
    request = urllib.request.Request(FRONT + "/", method="BAN", headers={"X-Ban-Tags": "article-1|.*"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        OPENER.open(request, timeout=5)
    assert refused.value.code == 400
