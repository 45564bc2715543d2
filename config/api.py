"""The read API, version 1: one NinjaAPI mounting a router per app, with errors as problem details."""

import json
from typing import get_args, get_origin

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI
from ninja.errors import HttpError, Throttled, ValidationError

from core.apitools import (
    INVALID_PARAMETER,
    PROBLEM_CONTENT_TYPE,
    UNKNOWN_PARAMETER,
    InvalidParameter,
    ProblemError,
    UnicodeJSONRenderer,
    problem_response,
)
from core.frontcache import SITE_TAG, cache_tags
from core.ratelimit import ApiThrottle, too_many_requests
from integrations.api import router as changes_router
from landscape.api import router as landscape_router
from reader.api import router as articles_router
from search.api import router as search_router

DESCRIPTION = """\
Read-only access to Baimo's published articles, their public annotations and mentions, and the
companies, people, quotes and figures they describe.

* Lists are pages, `{"count": n, "count_is_exact": true, "next": "…", "items": [...]}`, chosen with `limit`
  (1–100, default 20) and either `offset` or `cursor`. Pass a page's `next` as `cursor` for the page after
  it: a deep page then costs what the first does. A cursor is opaque and serves its own list and ordering;
  any other is a 422 problem. Counts stop at 10,000 (`count_is_exact` false beyond). Search pages by offset.
* `ordering` takes one of the values each list documents; anything else is a 422 problem.
* A query parameter an endpoint does not take is a 400 problem naming it (`type` …/unknown-parameter),
  never silently ignored; a value a parameter does not take (wrong type, out of range, unknown) is a 422.
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
                selectable = SELECTABLE_FIELDS.get(operation["operationId"])
                if selectable:
                    operation.setdefault("parameters", []).append(_fields_parameter(selectable))
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


def _docs(view):
    """Serve the schema and its docs as Swagger UI needs them, and as shared as any deploy's code."""
    view = csp_override(settings.SECURE_CSP_API_DOCS)(view)

    def tagged(request, *args, **kwargs):
        cache_tags(request, SITE_TAG)
        return view(request, *args, **kwargs)

    return tagged


api = BaimoAPI(
    urls_namespace="api-v1",
    version="1",
    title="Baimo API",
    description=DESCRIPTION,
    docs_url="/docs",
    # Swagger UI needs a little more than the site's CSP (settings.SECURE_CSP_API_DOCS); only this page.
    docs_decorator=_docs,
    openapi_url="/openapi.json",
    renderer=UnicodeJSONRenderer(),
    # Every operation counts against the anonymous allowance (core/ratelimit.py).
    throttle=ApiThrottle(),
)
api.add_router("/", articles_router)
api.add_router("/", landscape_router)
api.add_router("/", search_router)
api.add_router("/", changes_router)


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


def operation_parameters(operation) -> frozenset[str]:
    """Return the query parameters an operation declares (its filters, pagination and `variant`)."""
    names = set()
    for model in operation.models:
        if getattr(model, "__ninja_param_source__", None) == "query":
            names |= set(getattr(model, "__ninja_flatten_map__", {}))
    return frozenset(names)


# Per operation id: the fields `fields=` may name, and whether they are those of a page's items.
SELECTABLE_FIELDS: dict[str, tuple[frozenset[str], bool]] = {}


def response_fields(operation) -> tuple[frozenset[str], bool]:
    """Return the fields of an operation's 200 answer (of its items, for a page) and whether it is a page."""
    shape = operation.response_models[200].model_fields["response"].annotation
    items = shape.model_fields.get("items")
    if items is not None and get_origin(items.annotation) is list:
        shape = get_args(items.annotation)[0]
    names = frozenset(field.alias or name for name, field in shape.model_fields.items())
    return names, items is not None


def _fields_parameter(selectable: tuple[frozenset[str], bool]) -> dict:
    names, paged = selectable
    choice = "|".join(sorted(names))
    return {
        "in": "query",
        "name": "fields",
        "required": False,
        "description": (
            f"Comma-separated fields to keep in {'each item' if paged else 'the answer'}, the rest left out: "
            f"any of {', '.join(sorted(names))} (required ones too). Leave out for all."
        ),
        # The example in the schema, as pydantic puts the filters' own: Swagger UI shows it once.
        "schema": {
            "type": "string",
            "pattern": f"^(?:{choice})(?:,(?:{choice}))*$",
            "examples": [",".join(sorted(names)[:2])],
        },
    }


def _problem_for_parameters(request: HttpRequest, unknown: list[str], known: frozenset[str]) -> HttpResponse:
    takes = ", ".join(sorted(known)) or "none"
    detail = "not a parameter of this endpoint"
    return problem_response(
        request,
        400,
        f"The query parameter '{unknown[0]}' is not one this endpoint takes (it takes: {takes}); "
        "nothing was filtered by it.",
        type=UNKNOWN_PARAMETER,
        title="Unknown parameter",
        errors=[{"name": name, "location": "query", "detail": detail} for name in unknown],
    )


def _selected(response: HttpResponse, wanted: list[str], paged: bool) -> HttpResponse:
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("application/json"):
        return response
    body = json.loads(response.content)

    def keep(item: dict) -> dict:
        return {name: item[name] for name in wanted if name in item}

    if paged:
        body["items"] = [keep(item) for item in body["items"]]
    else:
        body = keep(body)
    response.content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return response


def refusing_unknown_parameters(run):
    """Wrap an operation's `run` (a decorator of ninja's "view" mode): a query parameter it does not
    declare is a 400 problem naming it, and `fields=` keeps only the named fields of its answer.

    Ignored, a mistyped filter (`?compnay=`) would look like an answer to it: the client would take
    everything for the filtered list.
    """
    operation = run.__self__
    known = operation_parameters(operation)
    selectable, paged = response_fields(operation)
    SELECTABLE_FIELDS[operation.operation_id or api.get_openapi_operation_id(operation)] = (selectable, paged)

    def run_checked(request: HttpRequest, *args, **kwargs):
        unknown = sorted(set(request.GET) - known - {"fields"})
        if unknown:
            return _problem_for_parameters(request, unknown, known | {"fields"})
        if "fields" not in request.GET:
            return run(request, *args, **kwargs)
        wanted = [name.strip() for name in request.GET["fields"].split(",") if name.strip()]
        wrong = [name for name in wanted if name not in selectable]
        if not wanted or wrong:
            detail = (
                f"{'no field named' if not wanted else f'no field {wrong[0]!r}'}; "
                f"name any of {', '.join(sorted(selectable))}, separated by commas."
            )
            wrong = InvalidParameter("fields", detail)
            return problem_response(
                request, wrong.status, wrong.detail, type=wrong.type, title=wrong.title, errors=wrong.errors
            )
        return _selected(run(request, *args, **kwargs), wanted, paged)

    return run_checked


# Bound to every operation when the URLs are built, after this module has run.
api.add_decorator(refusing_unknown_parameters, mode="view")
