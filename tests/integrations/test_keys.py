"""API keys: a larger allowance for a named client, stored as a hash, shown once, revocable, nothing more."""

import pytest

from core import ratelimit
from integrations.keys import api_key_create, api_key_revoke, key_hash
from integrations.models import ApiKey
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def limited(settings):
    settings.API_RATE_LIMIT = "2/minute"
    settings.API_KEY_RATE_LIMIT = "5/minute"
    ratelimit.clock = lambda: 1_000_020.0  # one window for the whole test
    yield
    ratelimit.clock = __import__("time").time


def statuses(client, n, **headers):
    return [client.get("/api/v1/companies", headers=headers).status_code for _ in range(n)]


def test_a_key_raises_the_limit_and_is_counted_on_its_own(client, limited):
    _row, key = api_key_create(name="dashboard")
    assert statuses(client, 3) == [200, 200, 429]
    assert statuses(client, 6, Authorization=f"Bearer {key}") == [200] * 5 + [429]
    response = client.get("/api/v1/companies", headers={"X-API-Key": key})
    assert response.status_code == 429 and "This API key may make 5 requests" in response.json()["detail"]


def test_a_key_is_stored_only_as_a_hash(limited):
    row, key = api_key_create(name="app")
    stored = ApiKey.objects.get(pk=row.pk)
    assert key.startswith(f"bm_{stored.prefix}_") and stored.key_hash == key_hash(key)
    assert key not in str(ApiKey.objects.values_list().get(pk=row.pk))


@pytest.mark.parametrize("header", ["Bearer bm_nothere_x", "Bearer bm_", "Bearer garbage"])
def test_a_key_that_proves_nothing_is_a_401_problem(client, header):
    response = client.get("/api/v1/companies", headers={"Authorization": header})
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert "not valid" in response.json()["detail"] and response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working(client):
    row, key = api_key_create(name="old app")
    assert client.get("/api/v1/companies", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    api_key_revoke(row)
    assert client.get("/api/v1/companies", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_a_key_opens_nothing_unpublished(client):
    from articles.models import Article

    make_article(slug="hidden-draft", status=Article.Status.DRAFT)
    _row, key = api_key_create(name="curious")
    response = client.get("/api/v1/articles/hidden-draft", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 404
    assert "hidden-draft" not in client.get("/api/v1/articles", headers={"X-API-Key": key}).content.decode()


def test_editors_make_keys_in_the_admin_and_see_them_once(editor_client):
    response = editor_client.post(
        "/admin/integrations/apikey/add/", {"name": "newsroom app", "rate_limit": "100/minute"}, follow=True
    )
    row = ApiKey.objects.get()
    page = response.content.decode()
    assert f"bm_{row.prefix}_" in page
    key = page.split(f"bm_{row.prefix}_")[1].split(" ")[0]
    assert key_hash(f"bm_{row.prefix}_{key}") == row.key_hash
    again = editor_client.get(f"/admin/integrations/apikey/{row.pk}/change/").content.decode()
    assert key not in again
    refused = editor_client.post("/admin/integrations/apikey/add/", {"name": "x", "rate_limit": "lots"})
    assert refused.status_code == 200 and "1000/minute" in refused.content.decode()


def test_contributors_cannot_make_keys(contributor_client):
    assert contributor_client.get("/admin/integrations/apikey/add/").status_code == 403
