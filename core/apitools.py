"""Pieces every API router shares: problem details, pagination, ordering and the script variant."""

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Annotated, Any, Literal

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import AfterValidator, ValidationInfo, WithJsonSchema

from core.variants import VARIANTS, convert

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Problem types are tag URIs (RFC 9457 §3.1.1): stable names that integrators can branch on.
INVALID_PARAMETER = "tag:baimo,2026:problems/invalid-parameter"
ABOUT_BLANK = "about:blank"

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# A bound on offset keeps absurd values from reaching the database as an integer overflow.
MAX_OFFSET = 1_000_000


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
DETAIL_ERRORS = {404: Problem, 422: Problem, 429: Problem}


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
    """A parameter that passes its declared type but means nothing here (400)."""

    def __init__(self, name: str, detail: str, *, location: str = "query"):
        super().__init__(
            400,
            f"The {location} parameter '{name}' is invalid: {detail}",
            type=INVALID_PARAMETER,
            title="Invalid parameter",
            errors=[{"name": name, "location": location, "detail": detail}],
        )


class NotFound(ProblemError):
    def __init__(self, detail: str):
        super().__init__(404, detail)


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
        "instance": request.get_full_path(),
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


# No slug holds a space, a control character (NUL cannot even reach PostgreSQL) or a slash. Written
# with explicit code points so that JSON Schema (ECMA-262), pydantic and Python read it alike: `\w`
# is ASCII-only in the first and Unicode in the others, and article slugs may be Unicode.
SLUG_PATTERN = r"^[^\x00-\x20\x7f/]+$"
SLUG_MAX_LENGTH = 200
SlugFilter = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=SLUG_MAX_LENGTH)]
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
    """Order `queryset` by the named ordering, or raise a 400 problem naming the `ordering` parameter."""
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
