"""The read API, version 1: one NinjaAPI mounting a router per app, with errors as problem details."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI
from ninja.errors import HttpError, Throttled, ValidationError

from core.apitools import (
    INVALID_PARAMETER,
    PROBLEM_CONTENT_TYPE,
    ProblemError,
    UnicodeJSONRenderer,
    problem_response,
)
from core.ratelimit import ApiThrottle, too_many_requests
from landscape.api import router as landscape_router
from reader.api import router as articles_router
from search.api import router as search_router

DESCRIPTION = """\
Read-only access to Baimo's published articles, their public annotations and mentions, and the
companies, people, quotes and figures they describe.

* Lists are pages, `{"count": n, "count_is_exact": true, "next": "…", "items": [...]}`, chosen with `limit`
  (1–100, default 20) and either `offset` or `cursor`. Pass a page's `next` as `cursor` for the page after
  it: a deep page then costs what the first does. A cursor is opaque and serves its own list and ordering;
  any other is a 400 problem. Counts stop at 10,000 (`count_is_exact` false beyond). Search pages by offset.
* `ordering` takes one of the values each list documents; anything else is a 400 problem.
* `variant=zh-hans` or `variant=zh-hant` returns Chinese text in Simplified or Traditional script.
* Every successful GET carries `ETag`, `Last-Modified` and `Cache-Control`; send `If-None-Match` or
  `If-Modified-Since` to get `304 Not Modified`.
* Errors are `application/problem+json` (RFC 9457).
* Anonymous clients are rate limited; a `429` problem says when to retry in `Retry-After`.
"""


class BaimoAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Describe problem bodies and the caching headers the middleware adds."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for path in schema["paths"].values():
            for operation in path.values():
                _document_responses(operation["responses"])
                for parameter in operation.get("parameters", []):
                    parameter["schema"] = _without_null(parameter["schema"])
                    # Swagger UI and most generators show the parameter's description, not its schema's.
                    if "description" in parameter["schema"]:
                        parameter.setdefault("description", parameter["schema"]["description"])
        return schema


_CACHING_HEADERS = {
    "ETag": {"description": "Strong validator: a hash of the body.", "schema": {"type": "string"}},
    "Last-Modified": {
        "description": "When this representation was first served.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"schema": {"type": "string"}},
}


def _without_null(schema: dict) -> dict:
    """Drop the `null` choice of an optional parameter: a query string cannot carry a null."""
    choices = schema.get("anyOf")
    if not choices or {"type": "null"} not in choices:
        return schema
    rest = [choice for choice in choices if choice != {"type": "null"}]
    outer = {key: value for key, value in schema.items() if key != "anyOf"}
    if len(rest) == 1:
        return {**rest[0], **outer}
    return {**outer, "anyOf": rest}


def _document_responses(responses: dict) -> None:
    for status, response in responses.items():
        code = int(status)
        if code >= 400 and "content" in response:
            response["content"] = {PROBLEM_CONTENT_TYPE: response["content"]["application/json"]}
        if code == 200:
            response["headers"] = _CACHING_HEADERS
        if code == 429:
            response["headers"] = {
                "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
            }
    responses.setdefault(
        304, {"description": "Not Modified: the `If-None-Match` or `If-Modified-Since` validator matched."}
    )
    responses.setdefault(
        412,
        {
            "description": "Precondition Failed: `If-Match` or `If-Unmodified-Since` does not hold.",
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        },
    )


api = BaimoAPI(
    urls_namespace="api-v1",
    version="1",
    title="Baimo API",
    description=DESCRIPTION,
    docs_url="/docs",
    # Swagger UI needs a little more than the site's CSP (settings.SECURE_CSP_API_DOCS); only this page.
    docs_decorator=csp_override(settings.SECURE_CSP_API_DOCS),
    openapi_url="/openapi.json",
    renderer=UnicodeJSONRenderer(),
    # Every operation counts against the anonymous allowance (core/ratelimit.py).
    throttle=ApiThrottle(),
)
api.add_router("/", articles_router)
api.add_router("/", landscape_router)
api.add_router("/", search_router)


@api.exception_handler(ProblemError)
def _problem(request: HttpRequest, exc: ProblemError) -> HttpResponse:
    return problem_response(
        request, exc.status, exc.detail, type=exc.type, title=exc.title, errors=exc.errors
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [_parameter_error(error) for error in exc.errors]
    named = "; ".join(f"{error['name']}: {error['detail']}" for error in errors)
    return problem_response(
        request,
        422,
        f"Invalid parameters — {named}" if errors else "The request's parameters are invalid.",
        type=INVALID_PARAMETER,
        title="Invalid parameter",
        errors=errors,
    )


def _parameter_error(error: dict) -> dict[str, str]:
    location, *path = error.get("loc") or ("query",)
    name = ".".join(str(part) for part in path) or str(location)
    return {"name": name, "location": str(location), "detail": str(error.get("msg", "invalid value"))}


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(request, 404, "Nothing published is found at this address.")


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return too_many_requests(request)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(request, exc.status_code, str(exc))
