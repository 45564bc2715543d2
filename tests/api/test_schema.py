"""Generated requests against the live OpenAPI schema: no server errors, every response as documented."""

import pytest
import schemathesis
from django.test.client import ClientHandler
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.seed import SEED_SLUG

OPENAPI_URL = "/api/v1/openapi.json"


class DjangoTestWSGI:
    """Serve WSGI requests through Django's test handler.

    Unlike the production WSGI handler, it leaves the database connection open when a request ends,
    so that generated requests run inside the test's transaction, against the seed data.
    """

    def __init__(self):
        self.handler = ClientHandler(enforce_csrf_checks=False)

    def __call__(self, environ, start_response):
        response = self.handler(environ)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return [response.content]


# Loaded once at collection: building the schema needs Django's URLs, not the database.
schema = schemathesis.openapi.from_wsgi(OPENAPI_URL, DjangoTestWSGI())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_conform_to_the_schema(case, seed):
    # A cursor is opaque and signed: only a page's `next` is one, and any other value is a documented 422
    # problem. Generated requests go without; tests/api/test_pagination.py follows real ones.
    if case.query:
        case.query.pop("cursor", None)
    if case.query and "fields" in case.query:
        # A `fields=` answer leaves out what it was not asked for, required fields too, as the parameter
        # says: every other check holds (tests/api/test_parameters.py checks what such an answer keeps).
        case.call_and_validate(excluded_checks=[response_schema_conformance])
    else:
        case.call_and_validate()


DETAIL_PATHS = [
    "/api/v1/articles/{slug}",
    "/api/v1/companies/{slug}",
    "/api/v1/people/{slug}",
    "/api/v1/quotes/{id}",
    "/api/v1/figures/{id}",
]


def _real_objects() -> dict[str, dict]:
    """Path parameters naming seed objects, so that generated paths are not all 404s."""
    from landscape.models import Figure, Quote

    return {
        "/api/v1/articles/{slug}": {"slug": SEED_SLUG},
        "/api/v1/companies/{slug}": {"slug": "openai"},
        "/api/v1/people/{slug}": {"slug": "qiu-xipeng"},
        "/api/v1/quotes/{id}": {"id": Quote.objects.get(text__startswith="理想上慢一步").pk},
        "/api/v1/figures/{id}": {"id": Figure.objects.get(label="八個月內中國誕生的大模型").pk},
    }


@pytest.mark.parametrize("path", DETAIL_PATHS)
@pytest.mark.parametrize("variant", [None, "zh-hans", "zh-hant"])
def test_seed_objects_conform_to_the_schema(seed, path, variant):
    query = {"variant": variant} if variant else {}
    case = schema[path]["GET"].Case(path_parameters=_real_objects()[path], query=query)
    response = case.call_and_validate()
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/articles", {"topic": "bai-mo-da-zhan"}),
        ("/api/v1/companies", {"layer": "platform", "q": "阿里", "limit": 100}),
        ("/api/v1/people", {"company": "baichuan"}),
        ("/api/v1/quotes", {"speaker": "wang-xiaochuan", "variant": "zh-hans", "limit": 100}),
        ("/api/v1/figures", {"company": "openai", "ordering": "-value", "limit": 100}),
        ("/api/v1/search", {"q": "大模型", "variant": "zh-hans", "limit": 100}),
    ],
)
def test_filtered_seed_lists_conform_to_the_schema(seed, path, query):
    response = schema[path]["GET"].Case(query=query).call_and_validate()
    assert response.status_code == 200
    assert response.json()["items"]


def test_every_parameter_has_a_description_of_its_own(client):
    """Swagger UI and code generators read `parameters[].description`, not the schema's description."""
    paths = client.get(OPENAPI_URL).json()["paths"]
    undocumented = [
        f"{path} {parameter['name']}"
        for path, operations in paths.items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
    ]
    assert undocumented == []
