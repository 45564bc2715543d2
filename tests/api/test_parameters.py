"""Every endpoint refuses a query parameter it does not take, naming it, instead of ignoring it."""

import pytest

from config.api import api, operation_parameters

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/articles",
    "/api/v1/companies",
    "/api/v1/quotes",
    "/api/v1/figures",
    "/api/v1/search?q=算力",
    "/api/v1/changes",
]


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("unknown", ["compnay", "sort", "_"])
def test_an_unknown_parameter_is_a_400_problem_that_names_it(client, url, unknown):
    joiner = "&" if "?" in url else "?"
    response = client.get(f"{url}{joiner}{unknown}=x")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "tag:baimo,2026:problems/unknown-parameter"
    assert body["errors"] == [
        {"name": unknown, "location": "query", "detail": "not a parameter of this endpoint"}
    ]
    assert f"'{unknown}'" in body["detail"]


def test_a_detail_endpoint_refuses_one_too(client, seed):
    response = client.get("/api/v1/companies/baichuan", {"include": "products"})
    assert response.status_code == 400 and response.json()["errors"][0]["name"] == "include"


def test_the_known_parameters_are_the_declared_ones():
    found = {
        path: operation_parameters(operation)
        for router in api._get_bound_routers()
        for path, view in router.path_operations.items()
        for operation in view.operations
    }
    assert found["/articles"] >= {"limit", "offset", "cursor", "ordering", "variant"}
    assert found["/articles/{slug}"] == {"variant"}
    assert found["/changes"] == {"since", "types", "limit"}


def test_fields_keeps_only_the_named_fields_of_each_item(client, seed):
    items = client.get("/api/v1/companies", {"fields": "slug,name_zh"}).json()["items"]
    assert items and all(set(item) == {"slug", "name_zh"} for item in items)
    page = client.get("/api/v1/articles", {"fields": "slug"}).json()
    assert {"count", "next", "items"} <= set(page) and page["items"] == [{"slug": page["items"][0]["slug"]}]
    detail = client.get(f"/api/v1/articles/{seed.slug}", {"fields": "title,slug"}).json()
    assert set(detail) == {"title", "slug"}


@pytest.mark.parametrize("value", ["nonsense", "slug,nonsense", ","])
def test_fields_naming_what_the_answer_lacks_is_a_422(client, value):
    response = client.get("/api/v1/companies", {"fields": value})
    assert response.status_code == 422
    assert response.json()["errors"][0]["name"] == "fields"


def test_fields_is_documented_on_every_endpoint_with_its_choices(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            fields = [p for p in operation["parameters"] if p["name"] == "fields"]
            assert len(fields) == 1, path
            assert fields[0]["schema"]["pattern"].startswith("^(?:") and fields[0]["schema"]["examples"], path
