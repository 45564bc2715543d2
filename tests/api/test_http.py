"""HTTP behaviour integrators rely on: problem details, validators and 304s, CORS, HEAD, rate limits."""

import time

import pytest
from django.utils.http import http_date

from articles.models import Article
from core import ratelimit
from landscape.models import Company, Person
from tests.factories import publish
from tests.seed import SEED_SLUG

pytestmark = pytest.mark.usefixtures("seed")

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    return body


# Problem details


def test_unknown_ordering_is_a_422_naming_the_parameter(client):
    body = problem(client.get("/api/v1/companies", {"ordering": "-valuation"}), 422)
    (error,) = body["errors"]
    assert (error["name"], error["location"]) == ("ordering", "query")
    assert "'-valuation'" in error["detail"]
    assert "'-valuation'" in body["detail"] and "name_zh" in body["detail"]
    assert body["instance"] == "/api/v1/companies?ordering=-valuation"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/articles?limit=101", "limit"),
        ("/api/v1/articles?limit=0", "limit"),
        ("/api/v1/quotes?offset=-1", "offset"),
        ("/api/v1/companies?layer=moon", "layer"),
        (f"/api/v1/articles/{SEED_SLUG}?variant=zh-tw", "variant"),
        ("/api/v1/figures/0", "id"),
        ("/api/v1/people?limit=ten", "limit"),
        ("/api/v1/search?q=", "q"),
        ("/api/v1/search?q=大模型&type=article", "type"),
        # NUL cannot be stored in a PostgreSQL text column; it must never reach a query.
        ("/api/v1/companies?q=%00", "q"),
        ("/api/v1/articles?topic=a%00b", "topic"),
        ("/api/v1/articles/a%00b", "slug"),
        ("/api/v1/quotes?speaker=%00", "speaker"),
    ],
)
def test_invalid_parameters_are_422_problems_naming_the_parameter(client, url, name):
    body = problem(client.get(url), 422)
    assert [error["name"] for error in body["errors"]] == [name]
    assert name in body["detail"]
    assert body["type"] == "tag:baimo,2026:problems/invalid-parameter"


def test_unknown_and_unpublished_objects_are_the_same_404(client):
    Company.objects.filter(slug="openai").update(published=False)
    unpublished = problem(client.get("/api/v1/companies/openai"), 404)
    unknown = problem(client.get("/api/v1/companies/closedai"), 404)
    assert unpublished["detail"] == "No published company has the slug 'openai'."
    assert unknown["detail"] == "No published company has the slug 'closedai'."
    assert unpublished["title"] == unknown["title"] == "Not Found"

    Article.objects.filter(slug=SEED_SLUG).update(status=Article.Status.DRAFT)
    problem(client.get(f"/api/v1/articles/{SEED_SLUG}"), 404)


def test_unknown_route_is_a_404_problem(client):
    body = problem(client.get("/api/v1/models"), 404)
    # Not "nothing published": no endpoint is there at all, and the docs list those that are.
    assert "/api/v1/docs" in body["detail"]
    assert "published" not in body["detail"]


def test_a_trailing_slash_404_names_the_path_without_it(client):
    # The website's URLs end in a slash; an integrator copying that habit is told what to ask for.
    body = problem(client.get("/api/v1/companies/openai/"), 404)
    assert "ask for /api/v1/companies/openai instead" in body["detail"]
    assert "ask for" not in problem(client.get("/api/v1/models/"), 404)["detail"]


def test_writes_are_405_problems(client):
    for method in (client.post, client.put, client.delete, client.patch):
        response = method("/api/v1/articles")
        problem(response, 405)
        assert response["Allow"] == "GET, HEAD, OPTIONS"


# Validators, 304 and cache headers


def test_every_successful_get_carries_validators_and_cache_control(client):
    for url in [
        "/api/v1/articles",
        f"/api/v1/articles/{SEED_SLUG}",
        "/api/v1/quotes",
        "/api/v1/openapi.json",
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["ETag"].startswith('"')
        assert response["Last-Modified"].endswith("GMT")
        assert response["Cache-Control"] == "public, max-age=60, s-maxage=300"


def test_errors_are_not_cached(client):
    assert client.get("/api/v1/companies/closedai")["Cache-Control"] == "no-store"


def test_cache_max_age_is_a_setting(client, settings):
    settings.API_CACHE_MAX_AGE = 300
    assert client.get("/api/v1/articles")["Cache-Control"] == "public, max-age=300, s-maxage=300"


def test_if_none_match_gives_304_until_the_content_changes(client):
    url = f"/api/v1/articles/{SEED_SLUG}?variant=zh-hans"
    first = client.get(url)
    etag = first["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == "public, max-age=60"
    assert again["Access-Control-Allow-Origin"] == "*"
    assert client.get(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304

    article = Article.objects.get(slug=SEED_SLUG)
    article.title = "新的標題"
    article.save()
    # The working copy changed, not what readers see: the validator holds until the change is published.
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    publish(article)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["title"] == "新的标题"


def test_if_modified_since_gives_304_until_the_content_changes(client):
    url = "/api/v1/companies?layer=startup"
    first = client.get(url)
    last_modified = first["Last-Modified"]
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304

    time.sleep(1.1)  # Last-Modified counts whole seconds
    Company.objects.filter(slug="baichuan").update(name_en="Baichuan Intelligent Technology")
    changed = client.get(url, headers={"If-Modified-Since": last_modified})
    assert changed.status_code == 200
    assert changed["Last-Modified"] != last_modified
    assert client.get(url, headers={"If-Modified-Since": changed["Last-Modified"]}).status_code == 304


def test_a_second_change_within_the_same_second_is_never_a_wrong_304(client):
    url = "/api/v1/people"
    first = client.get(url)
    Person.objects.filter(slug="qiu-xipeng").update(name_en="Xipeng Qiu")
    second = client.get(url)
    assert second["ETag"] != first["ETag"]
    # Either the second body got a later date, or its date is marked ambiguous and refuses a 304.
    stale = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    assert stale.status_code == 200


def test_if_none_match_wins_over_if_modified_since(client):
    url = "/api/v1/figures"
    first = client.get(url)
    response = client.get(
        url, headers={"If-None-Match": '"stale"', "If-Modified-Since": first["Last-Modified"]}
    )
    assert response.status_code == 200


def test_a_future_if_modified_since_is_ignored(client):
    url = "/api/v1/figures"
    client.get(url)
    future = http_date(time.time() + 3600)
    assert client.get(url, headers={"If-Modified-Since": future}).status_code == 200


def test_if_match_that_does_not_hold_is_a_412_problem(client):
    url = "/api/v1/figures"
    etag = client.get(url)["ETag"]
    assert client.get(url, headers={"If-Match": etag}).status_code == 200
    body = problem(client.get(url, headers={"If-Match": '"stale"'}), 412)
    assert "If-Match" in body["detail"]


def test_etag_depends_on_the_variant(client):
    url = f"/api/v1/articles/{SEED_SLUG}"
    assert client.get(url)["ETag"] != client.get(url, {"variant": "zh-hans"})["ETag"]


# HEAD and CORS


def test_head_answers_like_get_without_a_body(client):
    get = client.get("/api/v1/quotes")
    head = client.head("/api/v1/quotes")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert head["Content-Length"] == str(len(get.content))


def test_cors_allows_any_origin_to_read(client):
    response = client.get("/api/v1/articles", headers={"Origin": "https://dashboard.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Retry-After" in response["Access-Control-Expose-Headers"]


def test_cors_preflight(client):
    response = client.options(
        "/api/v1/companies",
        headers={
            "Origin": "https://dashboard.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]
    assert int(response["Access-Control-Max-Age"]) > 0


def test_cors_preflight_allows_the_headers_generic_clients_add(client):
    # fetch() wrappers send Content-Type even on GET, and some add Authorization or X-Requested-With;
    # a preflight refusing them blocks the GET in the browser.
    response = client.options(
        "/api/v1/companies",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "content-type,x-requested-with,authorization",
        },
    )
    assert response.status_code == 204
    allowed = {name.strip().lower() for name in response["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "x-requested-with", "authorization", "if-none-match"} <= allowed
    assert "Access-Control-Request-Headers" in response["Vary"]
    assert "Content-Type" not in response


def test_website_pages_get_no_cors_headers(client):
    assert "Access-Control-Allow-Origin" not in client.get("/articles/")


# Rate limits


@pytest.fixture
def limited(settings, monkeypatch):
    settings.API_RATE_LIMIT = "3/minute"
    # Pinned 20 seconds into a minute, so that no window ends in the middle of a test.
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_000_040.0)
    return settings


def test_anonymous_clients_are_limited_with_a_429_problem(client, limited):
    for remaining in (2, 1, 0):
        response = client.get("/api/v1/articles")
        assert response.status_code == 200
        assert response["RateLimit-Limit"] == "3"
        assert response["RateLimit-Remaining"] == str(remaining)
    refused = client.get("/api/v1/articles")
    body = problem(refused, 429)
    assert refused["Retry-After"] == "40"
    assert refused["Retry-After"] in body["detail"]
    assert refused["Cache-Control"] == "no-store"
    # Another client has its own allowance.
    assert client.get("/api/v1/articles", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_addresses_no_endpoint_answers_share_the_allowance(client, limited):
    # The schema, an unknown path and a write are not operations django-ninja throttles; they count too.
    assert client.get("/api/v1/openapi.json")["RateLimit-Remaining"] == "2"
    assert client.get("/api/v1/models")["RateLimit-Remaining"] == "1"
    assert client.post("/api/v1/articles")["RateLimit-Remaining"] == "0"
    refused = client.get("/api/v1/articles")
    problem(refused, 429)
    assert refused["Retry-After"] == "40"


def test_preflights_do_not_count(client, limited):
    for _ in range(5):
        assert client.options("/api/v1/articles").status_code == 204
    assert client.get("/api/v1/articles").status_code == 200


def test_staff_are_not_limited(client, limited, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    client.force_login(editor)
    for _ in range(5):
        response = client.get("/api/v1/articles")
        assert response.status_code == 200
        assert "RateLimit-Limit" not in response


def test_signed_in_non_staff_are_limited(client, limited, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader", password="x"))
    statuses = [client.get("/api/v1/articles").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_forwarded_address_counts_only_behind_trusted_proxies(client, limited):
    # Without trusted proxies, a client cannot dodge the limit by inventing X-Forwarded-For.
    statuses = [
        client.get("/api/v1/articles", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
        for i in range(4)
    ]
    assert statuses[-1] == 429
    limited.API_TRUSTED_PROXY_COUNT = 1
    assert client.get("/api/v1/articles", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200


def test_windows_reset():
    rate = ratelimit.parse_rate("2/minute")
    start = 1_000_040.0  # 20 s into a minute
    assert [ratelimit.hit("client", rate, now=start).allowed for _ in range(3)] == [True, True, False]
    assert ratelimit.hit("client", rate, now=start).reset == 40
    assert ratelimit.hit("client", rate, now=start + 40).allowed


@pytest.mark.parametrize(
    ("text", "limit", "period"),
    [("60/minute", 60, 60), ("1000/hour", 1000, 3600), ("10 / second", 10, 1), ("500/5minutes", 500, 300)],
)
def test_rates_parse(text, limit, period):
    assert ratelimit.parse_rate(text) == ratelimit.Rate(limit, period)


def test_a_malformed_rate_is_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        ratelimit.parse_rate("lots")


def test_each_host_keeps_its_own_last_modified(client):
    url = "/api/v1/articles"
    first = client.get(url, headers={"Host": "testserver"})
    client.get(url, headers={"Host": "localhost"})  # another body: its URLs name another host
    again = client.get(url, headers={"Host": "testserver", "If-Modified-Since": first["Last-Modified"]})
    assert again.status_code == 304


def test_last_modified_does_not_depend_on_the_order_of_query_parameters(client):
    first = client.get("/api/v1/articles?variant=zh-hans&limit=5")
    time.sleep(1.1)  # Last-Modified counts whole seconds
    # The same resource asked for with its parameters the other way round is not "modified now".
    again = client.get(
        "/api/v1/articles?limit=5&variant=zh-hans",
        headers={"If-Modified-Since": first["Last-Modified"]},
    )
    assert again.status_code == 304
    assert again["Last-Modified"] == first["Last-Modified"]
