"""Pieces every API router shares: problem details, pagination, ordering and the script variant."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from http import HTTPStatus
from typing import Annotated, Any, Literal
from urllib.parse import quote

from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Schema
from ninja.pagination import LimitOffsetPagination, PaginationBase
from ninja.renderers import JSONRenderer
from pydantic import AfterValidator, ValidationInfo, WithJsonSchema

from core import keyset
from core.variants import VARIANTS, convert

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Problem types are tag URIs (RFC 9457 §3.1.1): stable names that integrators can branch on.
INVALID_PARAMETER = "tag:baimo,2026:problems/invalid-parameter"
UNKNOWN_PARAMETER = "tag:baimo,2026:problems/unknown-parameter"
ABOUT_BLANK = "about:blank"

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# A bound on offset keeps absurd values from reaching the database as an integer overflow.
MAX_OFFSET = 1_000_000
# How deep a keyset list's `offset` goes (CursorPage); deeper pages follow its cursor.
DEEPEST_OFFSET = 1_000
# Counting stops here: beyond, a list says "at least this many" (`count_is_exact` false), not scan it all.
COUNT_LIMIT = 10_000


class ParameterProblem(Schema):
    """One parameter a request got wrong."""

    name: str = Field(description="The parameter's name, e.g. `limit`.")
    location: Literal["query", "path"] = Field(description="Where the parameter goes.")
    detail: str


class Problem(Schema):
    """An error, as RFC 9457 problem details (`application/problem+json`)."""

    type: str = Field(description="`about:blank`, or a tag URI naming the kind of problem.")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The path and query of the request that failed.")
    errors: list[ParameterProblem] | None = Field(
        None, description="For 400 and 422: each parameter that was wrong."
    )


# Every endpoint documents these, so integrators and schemathesis know the shape of each failure.
LIST_ERRORS = {400: Problem, 422: Problem, 429: Problem}
DETAIL_ERRORS = {400: Problem, 404: Problem, 422: Problem, 429: Problem}


class ProblemError(Exception):
    """Raise from an endpoint to answer with a problem-details response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type: str = ABOUT_BLANK,
        title: str | None = None,
        errors: Sequence[Mapping[str, str]] = (),
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type
        self.title = title
        self.errors = list(errors)


class InvalidParameter(ProblemError):
    """A known parameter with a value it does not take (422), as for a value of the wrong type or range.

    The API answers each kind of mistake with one status: 400 for a parameter the endpoint does not take
    (`config.api.refusing_unknown_parameters`), 422 for a value a known parameter does not accept, whether
    its type refuses it or the endpoint does (an unknown `ordering`, a cursor of another list).
    """

    def __init__(self, name: str, detail: str, *, location: str = "query"):
        super().__init__(
            422,
            f"The {location} parameter '{name}' is invalid: {detail}",
            type=INVALID_PARAMETER,
            title="Invalid parameter",
            errors=[{"name": name, "location": location, "detail": detail}],
        )


class NotFound(ProblemError):
    def __init__(self, detail: str):
        super().__init__(404, detail)


def request_as_sent(request: HttpRequest) -> str:
    """Return the request's path and query as the client sent them, percent-encoded, never re-decoded.

    A WSGI server hands the query string over as bytes read as Latin-1; `get_full_path` would encode
    those characters again, turning a client's raw UTF-8 `算力` into mojibake. The bytes are recovered
    and percent-encoded once, so what was sent percent-encoded comes back as it was.
    """
    query = request.META.get("QUERY_STRING", "")
    try:
        raw = query.encode("latin-1")
    except UnicodeEncodeError:  # a str no server would hand over (a test client's): already text
        raw = query.encode("utf-8")
    path = quote(request.path.encode("utf-8"), safe="/:@!$&'()*+,;=~-._")
    query = quote(raw, safe="/?:@!$&'()*+,;=~-._%")
    return f"{path}?{query}" if query else path


def problem_response(
    request: HttpRequest,
    status: int,
    detail: str,
    *,
    type: str = ABOUT_BLANK,
    title: str | None = None,
    errors: Sequence[Mapping[str, str]] = (),
) -> HttpResponse:
    """Return an `application/problem+json` response for `request`."""
    body: dict[str, Any] = {
        "type": type,
        # RFC 9457 asks for the status phrase as title when the type is about:blank.
        "title": title if title and type != ABOUT_BLANK else HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request_as_sent(request),
    }
    if errors:
        body["errors"] = [dict(error) for error in errors]
    response = HttpResponse(
        Problem.model_validate(body).model_dump_json(exclude_none=True),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    return response


def get_or_404(queryset: QuerySet, detail: str, **lookup: Any) -> Model:
    """Return the one object matching `lookup`; the same 404 for unpublished and unknown objects."""
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise NotFound(detail) from None


class Page(LimitOffsetPagination):
    """`limit`/`offset` pages: `{"count": n, "items": [...]}`; a limit over the maximum is refused."""

    class Input(Schema):
        limit: int = Field(
            PAGE_SIZE,
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"Items per page, 1 to {MAX_PAGE_SIZE}; more is a 422 problem, not a shorter page.",
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")

    def __init__(self, **kwargs: Any):
        super().__init__(max_limit=MAX_PAGE_SIZE, **kwargs)


def capped_count(queryset: QuerySet) -> tuple[int, bool]:
    """Count `queryset` up to COUNT_LIMIT: return the count and whether it is exact."""
    counted = queryset.order_by()[: COUNT_LIMIT + 1].count()
    return (counted, True) if counted <= COUNT_LIMIT else (COUNT_LIMIT, False)


class CursorPage(PaginationBase):
    """Pages by `limit` and either `offset` or `cursor`: `{"count", "count_is_exact", "next", "items"}`.

    `next` is an opaque, signed cursor naming the last item's keys in the list's ordering (which always
    ends with the id); `?cursor=` continues after it with a keyset condition, so a deep page costs what the
    first does. A cursor is bound to its list and ordering: any other, or a cursor altered, is a 422
    problem naming `cursor`. Counting stops at COUNT_LIMIT (`count_is_exact` false beyond).

    `offset` reaches at most DEEPEST_OFFSET: the database steps over every row an offset skips, so a deep
    one costs a scan; deeper is a 422 problem naming `offset` that points to `next` (as a search engine
    refuses pages past its result window).
    """

    class Input(Schema):
        limit: int = Field(
            PAGE_SIZE,
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"Items per page, 1 to {MAX_PAGE_SIZE}; more is a 422 problem, not a shorter page.",
        )
        offset: int = Field(
            0,
            ge=0,
            json_schema_extra={"maximum": DEEPEST_OFFSET},
            description=f"How many items to skip, at most {DEEPEST_OFFSET:,}. Deeper, follow `next` "
            "(pass it as `cursor`): a larger offset is a 422 problem naming `offset`.",
        )
        cursor: str | None = Field(
            None,
            max_length=2000,
            description="Continue after the page that gave this `next`, with the same filters and ordering. "
            "Costs the same however deep; not combined with `offset`. Any other value is a 422 problem.",
        )

    class Output(Schema):
        count: int = Field(
            description=f"How many items the list holds, exact up to {COUNT_LIMIT:,}; "
            "beyond, that number as a lower bound."
        )
        count_is_exact: bool = Field(description="False when the list holds more items than `count` says.")
        next: str | None = Field(description="Pass as `cursor` for the following page; null on the last one.")
        items: list[Any]

    def paginate_queryset(self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any):
        terms = keyset.ordering_terms(queryset)
        rows = keyset.keyed(queryset, terms)
        limit = pagination.limit
        if pagination.cursor is not None:
            if pagination.offset:
                raise InvalidParameter("offset", "a page follows either `offset` or `cursor`, not both.")
            try:
                values = keyset.read_cursor(pagination.cursor, request.path, terms)
            except keyset.BadCursor as error:
                raise InvalidParameter("cursor", str(error)) from None
            found = list(rows.filter(keyset.after(terms, values))[: limit + 1])
        else:
            if pagination.offset > DEEPEST_OFFSET:
                raise InvalidParameter(
                    "offset",
                    f"at most {DEEPEST_OFFSET:,}; to go deeper, follow `next`: pass the `next` of the page "
                    "at that offset as `cursor`, each page costing what the first does.",
                )
            found = list(rows[pagination.offset : pagination.offset + limit + 1])
        items = found[:limit]
        following = None
        if len(found) > limit:
            following = keyset.write_cursor(request.path, terms, keyset.key_of(items[-1], terms))
        count, exact = capped_count(queryset)
        return {"count": count, "count_is_exact": exact, "next": following, "items": items}


# No slug holds a space, a control character (NUL cannot even reach PostgreSQL) or a slash. Written
# with explicit code points so that JSON Schema (ECMA-262), pydantic and Python read it alike: `\w`
# is ASCII-only in the first and Unicode in the others, and article slugs may be Unicode.
SLUG_PATTERN = r"^[^\x00-\x20\x7f/]+$"
SLUG_MAX_LENGTH = 200
SlugFilter = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=SLUG_MAX_LENGTH)]


_DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

# A day as YYYY-MM-DD and nothing else (not a number of seconds, not a time), checked to be a real one.
Day = Annotated[
    str,
    Field(pattern=_DAY_PATTERN),
    AfterValidator(date.fromisoformat),
    WithJsonSchema({"type": "string", "format": "date", "pattern": _DAY_PATTERN}),
]


def published_between(field: str, after: date | None, before: date | None) -> Q:
    """Return the condition that `field` (a datetime) falls on or after `after` and on or before `before`.

    Days are the site's (TIME_ZONE), as readers see the dates; bounds are datetimes, so an index serves.
    """
    from django.utils import timezone

    condition = Q()
    if after is not None:
        condition &= Q(**{f"{field}__gte": timezone.make_aware(datetime.combine(after, datetime.min.time()))})
    if before is not None:
        start_of_next = datetime.combine(before, datetime.min.time()) + timedelta(days=1)
        condition &= Q(**{f"{field}__lt": timezone.make_aware(start_of_next)})
    return condition


class PublishedBetween(Schema):
    """The date range every list of published things takes: the days of their articles' publication."""

    published_after: Day | None = Field(
        None,
        description="Only what was published on or after this day (YYYY-MM-DD).",
        examples=["2023-01-01"],
    )
    published_before: Day | None = Field(
        None,
        description="Only what was published on or before this day (YYYY-MM-DD).",
        examples=["2023-12-31"],
    )

    def published_within(self, field: str) -> Q:
        return published_between(field, self.published_after, self.published_before)


SlugPath = Path(
    ...,
    pattern=SLUG_PATTERN,
    max_length=SLUG_MAX_LENGTH,
    description="The object's `slug`, as lists give it (no trailing slash).",
)
# Free text for name queries: short, and without the NUL character no database column can hold.
QueryText = Annotated[str, Field(max_length=100, pattern=r"^[^\x00]*$")]


def ordering_type(orderings: Mapping[str, Sequence[Any]], default: str, note: str = "") -> Any:
    """Return a query parameter type documenting `orderings`' keys as the accepted values."""
    names = ", ".join(f"`{name}`" for name in orderings)
    description = f"Sort order, one of {names}; a leading `-` sorts descending."
    return Annotated[
        str,
        WithJsonSchema({"type": "string", "enum": list(orderings), "default": default}),
        Field(description=f"{description} {note}".strip()),
    ]


def order(queryset: QuerySet, value: str, orderings: Mapping[str, Sequence[Any]]) -> QuerySet:
    """Order `queryset` by the named ordering, or raise a 422 problem naming the `ordering` parameter."""
    try:
        fields = orderings[value]
    except KeyError:
        accepted = ", ".join(orderings)
        raise InvalidParameter("ordering", f"unknown ordering {value!r}; use one of {accepted}.") from None
    return queryset.order_by(*fields)


Variant = Annotated[
    Literal["zh-hans", "zh-hant"],
    Field(
        description="Return Chinese text in Simplified (`zh-hans`) or Traditional (`zh-hant`) script. "
        "Offsets in annotations and mentions stay valid in the converted text."
    ),
]


def requested_variant(request: HttpRequest | None) -> str | None:
    """Return the script variant the request asks for, or None for the text as stored."""
    if request is None:
        return None
    variant = request.GET.get("variant")
    return variant if variant in VARIANTS else None


def _in_requested_script(value: str, info: ValidationInfo) -> str:
    request = (info.context or {}).get("request")
    return convert(value, requested_variant(request))


# Prose fields are declared with this type, identifiers (slugs, anchors, URLs) stay plain `str`, so the
# variant never rewrites an identifier.
ScriptText = Annotated[str, AfterValidator(_in_requested_script)]


class UnicodeJSONRenderer(JSONRenderer):
    """The API's JSON, with Chinese text as UTF-8 (not \\u escapes): a third of the bytes, and readable.

    The one NinjaAPI renders with it (`config/api.py`), and so does what stores documents ahead
    (`reader.api`), so a stored document is byte for byte the one the API would render.
    """

    json_dumps_params = {"ensure_ascii": False}

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset={self.charset}"
