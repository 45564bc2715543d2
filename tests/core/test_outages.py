"""Each outage for real, with the production settings' cache, sessions and database options.

Redis: a redis-server of the test's own on a free port, stopped or frozen (SIGSTOP) by the test.
PostgreSQL: a connection to a closed port, to a local server that accepts TCP and never answers, and
(on the PostgreSQL run) a proxy in front of the suite's database that the test cuts and restores. The
database outages are served over HTTP by a worker thread, as a gunicorn worker serves them, so Django's
request signals open and close connections as in production. Nothing is mocked.
"""

import http.client
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception
from django.db import OperationalError, connections
from django.db.utils import load_backend

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-for-the-outage-tests",
    "ALLOWED_HOSTS": "testserver",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/baimo",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
# How long past the connect timeout a request may take to become a 503 (rendering, thread start-up).
MARGIN = 1.5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_settings(**env: str) -> dict:
    """Return the cache, session and database settings production computes from `env`."""
    code = (
        "import json, config.settings.prod as s; print(json.dumps({'CACHE': s.CACHES['default'], "
        "'DATABASE': s.DATABASES['default'], 'SESSION_ENGINE': s.SESSION_ENGINE}))"
    )
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DB_", "REDIS"))}
    environment.update(PROD_ENV, **env)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


# --- Redis -----------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own, which the test may stop, freeze and start again."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen([*command, "--appendonly", "no"], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # SIGKILL ends a frozen process too
            self.process.wait()
            self.process = None

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def redis_server():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def production_cache(settings, redis_server):
    """Use production's cache (on our own Redis), sessions and a rate limit of 5 per minute."""
    production = production_settings(REDIS_URL=redis_server.url)
    settings.CACHES = {"default": production["CACHE"]}
    settings.SESSION_ENGINE = production["SESSION_ENGINE"]
    settings.API_RATE_LIMIT = "5/minute"
    return redis_server


def outage_warnings(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "baimo.outages"]


@pytest.mark.django_db
def test_pages_and_the_api_keep_answering_while_redis_is_down(client, production_cache, caplog):
    # Up, the limiter counts in Redis: the sixth request in the window is refused.
    statuses = [client.get("/api/v1/articles").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert client.get("/healthz").json() == {
        "status": "ok",
        "services": {"database": "ok", "cache": "ok"},
    }

    production_cache.stop()
    caplog.set_level(logging.WARNING, logger="baimo.outages")
    urls = ["/api/v1/articles", "/api/v1/companies", "/", "/articles/", "/quotes/"]
    answers = [client.get(urls[n % len(urls)]).status_code for n in range(200)]
    # Rate limiting and the Last-Modified memory fail open: every request is answered.
    assert answers.count(200) == 200, answers
    api = client.get("/api/v1/articles")
    assert api.status_code == 200 and api["ETag"] and api["Last-Modified"]
    assert client.get("/api/v1/articles", HTTP_IF_NONE_MATCH=api["ETag"]).status_code == 304

    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "degraded", "services": {"database": "ok", "cache": "unavailable"}}
    # Hundreds of failed cache calls, one warning.
    warnings = outage_warnings(caplog)
    assert len(warnings) == 1, [record.getMessage() for record in warnings]
    assert "cache" in warnings[0].getMessage() and "ConnectionError" in warnings[0].getMessage()


def test_every_cache_call_is_a_miss_while_redis_is_down(production_cache):
    assert cache.add("kept", 1) and cache.get("kept") == 1 and cache.incr("kept") == 2
    production_cache.stop()
    assert cache.get("kept", "default") == "default"
    assert cache.get_many(["kept", "other"]) == {}
    assert cache.add("new", 1) is False and cache.has_key("kept") is False and "kept" not in cache
    assert cache.set("kept", 3) is None and cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.touch("kept") is False and cache.delete("kept") is False
    assert cache.delete_many(["a", "b"]) is None and cache.clear() is False
    assert cache.get_or_set("computed", 7) == 7
    with pytest.raises(ValueError):
        cache.incr("kept")
    with pytest.raises(ValueError):
        cache.decr("kept")


@pytest.mark.django_db
def test_the_limiter_counts_again_when_redis_is_back(client, production_cache):
    production_cache.stop()
    assert all(client.get("/api/v1/articles").status_code == 200 for _ in range(8))
    production_cache.start()
    time.sleep(1.1)  # the backend asks Redis again once its retry interval has passed
    remaining = [client.get("/api/v1/articles")["RateLimit-Remaining"] for _ in range(2)]
    assert remaining == ["4", "3"]
    assert client.get("/healthz").json()["status"] == "ok"


@pytest.mark.django_db
def test_a_frozen_redis_costs_one_timeout_per_interval_not_one_per_call(client, production_cache):
    assert client.get("/api/v1/articles").status_code == 200
    production_cache.freeze()
    try:
        started = time.monotonic()
        answers = [client.get("/api/v1/articles").status_code for _ in range(30)]
        elapsed = time.monotonic() - started
    finally:
        production_cache.thaw()
    assert answers == [200] * 30
    # Four cache calls a request, each waiting the 0.5 s socket timeout, would take a minute.
    assert elapsed < 5, f"30 requests took {elapsed:.1f} s with Redis frozen"


@pytest.mark.django_db
def test_editors_log_in_while_redis_is_down(client, production_cache, django_user_model):
    django_user_model.objects.create_user("editor", password="a-long-editor-password", is_staff=True)
    production_cache.stop()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "editor", "password": "a-long-editor-password"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    admin = client.get("/admin/")
    assert admin.status_code == 200
    assert admin.context["user"].username == "editor"
    # The session survives Redis coming back: it never lived there.
    production_cache.start()
    assert client.get("/admin/").status_code == 200


# --- PostgreSQL ------------------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class Worker:
    """Serve the project over HTTP from one thread on `database`, as one synchronous worker does."""

    def __init__(self, database: dict):
        self.database = database
        self.server = WSGIServer(("127.0.0.1", 0), _QuietHandler)
        self.server.set_app(WSGIHandler())
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        # Connections are per thread: this worker's default database is the one under test.
        entry = connections.configure_settings({"default": dict(self.database)})["default"]
        connections["default"] = load_backend(entry["ENGINE"]).DatabaseWrapper(entry, "default")
        try:
            self.server.serve_forever(poll_interval=0.05)
        finally:
            connections.close_all()

    def get(self, path: str, **headers: str) -> tuple[http.client.HTTPResponse, bytes, float]:
        """Return the response, its body and how long it took."""
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request("GET", path, headers={"Host": "testserver", **headers})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response, body, time.monotonic() - started


@contextmanager
def serving(database: dict, workers: int = 1):
    pool = [Worker(database) for _ in range(workers)]
    for worker in pool:
        worker.thread.start()
    try:
        yield pool[0] if workers == 1 else pool
    finally:
        for worker in pool:
            worker.server.shutdown()
            worker.thread.join(10)
            worker.server.server_close()


@pytest.fixture
def database_access(django_db_blocker):
    with django_db_blocker.unblock():
        yield


class LocalListener:
    """A TCP server on a free local port that hands each accepted connection to `accepted`."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted(client)

    def accepted(self, client: socket.socket) -> None:
        raise NotImplementedError


class SilentServer(LocalListener):
    """Accept TCP connections and never answer, like a PostgreSQL server that is frozen."""

    def __init__(self):
        self.held: list[socket.socket] = []
        super().__init__()

    def accepted(self, client: socket.socket) -> None:
        self.held.append(client)

    def close(self) -> None:
        self.listener.close()
        for client in self.held:
            client.close()


PAGES = ["/", "/articles/", "/articles/some-article/", "/quotes/", "/search?q=%E7%AE%97%E5%8A%9B"]  # 算力
API = ["/api/v1/articles", "/api/v1/articles/some-article", "/api/v1/companies"]


def assert_reader_503(response, body: bytes) -> None:
    assert response.status == 503, body[:300]
    assert response.getheader("Content-Type").startswith("text/html")
    assert response.getheader("Retry-After") == "30"
    assert response.getheader("Cache-Control") == "no-store"
    html = body.decode()
    assert "暫時無法顯示這一頁" in html and 'class="site-nav"' in html


def assert_api_503(response, body: bytes, path: str) -> None:
    assert response.status == 503, body[:300]
    assert response.getheader("Content-Type") == "application/problem+json"
    assert response.getheader("Retry-After") == "30"
    assert response.getheader("Cache-Control") == "no-store"
    problem = json.loads(body)
    assert problem["status"] == 503 and problem["type"] == "about:blank"
    assert problem["title"] == "Service Unavailable" and problem["instance"] == path
    assert "retry in 30 seconds" in problem["detail"]


def test_postgresql_down_is_a_503_everywhere_and_static_files_are_served(database_access, caplog, settings):
    settings.API_RATE_LIMIT = "60/minute"  # as in production: the limiter reads an editor's session
    caplog.set_level(logging.WARNING)
    uncaught = []

    def record_uncaught(request, **kwargs):
        uncaught.append(request.path)

    got_request_exception.connect(record_uncaught)
    try:
        database = production_settings(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/baimo")
        with serving(database["DATABASE"]) as worker:
            for path in PAGES:
                assert_reader_503(*worker.get(path)[:2])
            for path in API:
                response, body, _ = worker.get(path)
                assert_api_503(response, body, path)
                assert response.getheader("Access-Control-Allow-Origin") == "*"
            # Readers of Simplified get the page in their script.
            response, body, _ = worker.get("/articles/?variant=zh-hans")
            assert response.status == 503 and "暂时无法显示这一页" in body.decode()
            # An editor's session is read by the API's throttle: still a 503, not a 500, whether
            # django-ninja reads it before an endpoint or a middleware after an address none answers.
            response, body, _ = worker.get("/api/v1/articles", Cookie="sessionid=an-editors-session")
            assert_api_503(response, body, "/api/v1/articles")
            response, body, _ = worker.get("/api/v1/models", Cookie="sessionid=an-editors-session")
            assert_api_503(response, body, "/api/v1/models")
            assert_reader_503(*worker.get("/admin/", Cookie="sessionid=an-editors-session")[:2])

            response, body, _ = worker.get("/healthz")
            assert response.status == 503
            assert json.loads(body) == {
                "status": "unavailable",
                "services": {"database": "unavailable", "cache": "ok"},
            }
            response, body, _ = worker.get("/static/css/baimo.css")
            assert response.status == 200 and b"{" in body
    finally:
        got_request_exception.disconnect(record_uncaught)
    # Views' failures are answers, not uncaught errors; only the session a middleware reads is one.
    assert uncaught == ["/api/v1/models"]
    # Fifteen failed requests, no error lines and at most one warning (none if one was logged this minute).
    logged = [record.name for record in caplog.records if record.levelno >= logging.WARNING]
    assert logged in ([], ["baimo.outages"]), logged


def test_postgresql_frozen_is_a_503_within_the_connect_timeout(database_access):
    silent = SilentServer()
    try:
        database = production_settings(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{silent.port}/baimo", DB_CONNECT_TIMEOUT="2"
        )["DATABASE"]
        assert database["OPTIONS"]["connect_timeout"] == 2
        # Two workers, both on the frozen database: one waits on it while the other serves a stylesheet.
        with serving(database, workers=2) as (page_worker, static_worker):
            results = {}
            waiting = threading.Thread(target=lambda: results.update(page=page_worker.get("/articles/")))
            waiting.start()
            time.sleep(0.2)
            response, body, static_took = static_worker.get("/static/css/baimo.css")
            assert response.status == 200 and static_took < 0.5, f"static took {static_took:.2f} s"
            assert waiting.is_alive(), "the page did not wait on the frozen database"
            waiting.join(30)
            response, body, page_took = results["page"]
            assert_reader_503(response, body)
            assert 2 <= page_took < 2 + MARGIN, f"503 after {page_took:.2f} s"

            response, body, api_took = static_worker.get("/api/v1/articles")
            assert_api_503(response, body, "/api/v1/articles")
            assert api_took < 2 + MARGIN
            response, body, health_took = page_worker.get("/healthz")
            assert response.status == 503 and health_took < 2 + MARGIN
            print(
                f"\nPostgreSQL frozen: 503 after {page_took:.2f} s (page), {api_took:.2f} s (API), "
                f"{health_took:.2f} s (/healthz); static file in {static_took * 1000:.0f} ms meanwhile"
            )
    finally:
        silent.close()


def test_production_bounds_every_statement(database_access):
    database = production_settings(DB_CONNECT_TIMEOUT="4", DB_STATEMENT_TIMEOUT="1500")["DATABASE"]
    assert database["OPTIONS"] == {"connect_timeout": 4, "options": "-c statement_timeout=1500"}
    assert database["CONN_HEALTH_CHECKS"] is True
    # A DATABASE_URL's own options are kept, and the environment's timeout comes last, so it wins.
    url = "postgres://postgres@127.0.0.1:5432/baimo?options=-c%20search_path%3Dbaimo"
    options = production_settings(DATABASE_URL=url)["DATABASE"]["OPTIONS"]
    assert options["options"] == "-c search_path=baimo -c statement_timeout=5000"


@pytest.fixture
def suite_postgresql(db) -> dict:
    """Return the suite's own database settings, skipping unless it is PostgreSQL."""
    suite = connections["default"].settings_dict
    if suite["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs the suite's own database to be PostgreSQL (DATABASE_URL=postgres://…)")
    return suite


def postgresql_url(suite: dict, host: str, port: int) -> str:
    password = f":{suite['PASSWORD']}" if suite["PASSWORD"] else ""
    return f"postgres://{suite['USER']}{password}@{host}:{port}/{suite['NAME']}"


def test_postgresql_cancels_a_statement_past_the_statement_timeout(suite_postgresql):
    url = postgresql_url(
        suite_postgresql, suite_postgresql["HOST"] or "127.0.0.1", suite_postgresql["PORT"] or 5432
    )
    entry = production_settings(DATABASE_URL=url, DB_STATEMENT_TIMEOUT="200")["DATABASE"]
    entry = connections.configure_settings({"default": entry})["default"]
    connection = load_backend(entry["ENGINE"]).DatabaseWrapper(entry, "outage-probe")
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="statement timeout"), connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(5)")
        assert time.monotonic() - started < 2
    finally:
        connection.close()


class Proxy(LocalListener):
    """Forward TCP to the suite's PostgreSQL until cut: then every connection drops and new ones fail."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.up = True
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        super().__init__()

    def accepted(self, client: socket.socket) -> None:
        if not self.up:
            client.close()
            return
        upstream = socket.create_connection(self.target)
        self.pairs.append((client, upstream))
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up = False
        for pair in self.pairs:
            for end in pair:
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
        self.pairs.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


def test_the_site_recovers_without_a_restart_when_postgresql_is_back(suite_postgresql):
    proxy = Proxy((suite_postgresql["HOST"] or "127.0.0.1", int(suite_postgresql["PORT"] or 5432)))
    url = postgresql_url(suite_postgresql, "127.0.0.1", proxy.port)
    try:
        # Production's persistent connection (60 s) with its health check, through the proxy.
        with serving(production_settings(DATABASE_URL=url)["DATABASE"]) as worker:
            assert worker.get("/articles/")[0].status == 200
            proxy.cut()
            assert_reader_503(*worker.get("/articles/")[:2])
            assert_api_503(*worker.get("/api/v1/articles")[:2], "/api/v1/articles")
            assert worker.get("/healthz")[0].status == 503
            proxy.restore()
            assert worker.get("/articles/")[0].status == 200
            assert worker.get("/api/v1/articles")[0].status == 200
            assert json.loads(worker.get("/healthz")[1])["status"] == "ok"
    finally:
        proxy.close()
