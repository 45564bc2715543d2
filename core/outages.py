"""What the site answers while a service it depends on is down.

A database that cannot be reached is a 503 with `Retry-After`, never a 500: readers get the site's
"try again shortly" page, API clients a problem. Nothing is kept between requests, so the first request
after the database is back is answered normally, without a restart. Failures are logged as one warning
per interval per service, so an outage cannot flood the logs.
"""

import logging
import sys
import threading
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults

from core.apitools import problem_response

logger = logging.getLogger("baimo.outages")

# What psycopg and sqlite raise (wrapped by Django) when the server is down, frozen past its timeout,
# or dropped the connection; programming errors (ProgrammingError, IntegrityError) stay 500s.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)


class OutageLog:
    """Log a failing service as one warning per interval, counting the failures in between."""

    def __init__(self, service: str, *, interval: float = 60.0):
        self.service = service
        self.interval = interval
        self._lock = threading.Lock()
        self._next_warning = 0.0
        self._unlogged = 0

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next_warning:
                self._unlogged += 1
                return
            unlogged, self._unlogged = self._unlogged, 0
            self._next_warning = now + self.interval
        logger.warning(
            "%s unavailable (at most one warning every %d s; %d failures since the last one): %s: %s",
            self.service,
            self.interval,
            unlogged,
            type(error).__name__,
            error,
        )


DATABASE_OUTAGE = OutageLog("database")


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """Return the 503 that tells a reader or a client to come back shortly."""
    retry_after = settings.DB_UNAVAILABLE_RETRY_AFTER
    if request.path.startswith(settings.API_PATH_PREFIX):
        response = problem_response(
            request,
            503,
            f"The database is not answering at the moment; retry in {retry_after} seconds.",
        )
    else:
        # The page renders without a query, so it can be shown while the database is gone.
        response = render(request, "503.html", {"retry_after": retry_after}, status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return logged_by_outage_log(response)


def logged_by_outage_log(response: HttpResponse) -> HttpResponse:
    """Mark a 5xx as reported by an OutageLog, so that Django does not log it again, once per request."""
    # The attribute Django's log_response checks to log a response only once.
    response._has_been_logged = True
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 instead of 500 when a view finds the database unreachable.

    Handled here, the failure is an answer rather than an uncaught exception, so error reporting
    (`got_request_exception`) is not fired once per request during an outage.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNREACHABLE):
            return None
        DATABASE_OUTAGE.failed(exception)
        return database_unavailable(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer an uncaught exception: 503 when the database is unreachable, else the 500 page."""
    # A middleware that reads the session or the user meets the database outside any view, where
    # process_exception never sees it; Django hands those exceptions here.
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNREACHABLE):
        DATABASE_OUTAGE.failed(exception)
        return database_unavailable(request)
    return defaults.server_error(request)
