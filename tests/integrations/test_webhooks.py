"""Webhooks: signed JSON to a real receiver on 127.0.0.1, sent by the worker, retried, never to a private
address in production, and never carrying what is no longer public."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from articles.workflow import article_archive
from integrations.changes import changes_record
from integrations.documents import Record
from integrations.models import DeliveryAttempt, Kind, WebhookDelivery, WebhookEndpoint
from integrations.webhooks import SIGNATURE_HEADER, address_check, signature, signature_valid
from tests.factories import make_article

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it is sent and fails the first `failures` requests."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                failing = len(receiver.received) <= receiver.failures
                self.send_response(503 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/baimo"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def work():
    """Run the worker over every task that is due, as `manage.py db_worker` does in production."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_publish_is_delivered_signed_retried_and_unpublish_is_a_tombstone(settings, editor):
    settings.TASKS = DATABASE_TASKS
    settings.WEBHOOK_RETRY_DELAYS = [0, 0, 0]
    with Receiver(failures=2) as receiver:
        endpoint = WebhookEndpoint.objects.create(
            url=receiver.url, events=["article.published", "article.unpublished"]
        )
        article = make_article(slug="hooked")
        assert receiver.received == []  # the editor's request sends nothing itself: the worker does
        for _ in range(4):
            work()
        assert len(receiver.received) == 3  # failed twice, then delivered
        delivery = WebhookDelivery.objects.get(event__action="published")
        assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.attempts == 3
        assert list(
            DeliveryAttempt.objects.filter(delivery=delivery).values_list("status_code", flat=True)
        ) == [
            503,
            503,
            204,
        ]
        sent = receiver.received[-1]
        assert signature_valid(endpoint.secret, sent["headers"][SIGNATURE_HEADER], sent["body"])
        assert not signature_valid("whsec_other", sent["headers"][SIGNATURE_HEADER], sent["body"])
        event = json.loads(sent["body"])
        assert (
            event["type"] == "article.published"
            and sent["headers"]["Baimo-Event-Type"] == "article.published"
        )
        assert event["data"]["slug"] == "hooked" and event["object"]["id"] == article.pk
        assert {r["headers"]["Baimo-Event-Id"] for r in receiver.received} == {str(event["id"])}

        article_archive(article=article, user=editor)
        work()
        tombstone = json.loads(receiver.received[-1]["body"])
        assert tombstone["type"] == "article.unpublished" and tombstone["data"] is None
        assert tombstone["object"] == {"type": "article", "id": article.pk, "url": event["object"]["url"]}


@pytest.mark.django_db(transaction=True)
def test_a_delivery_gives_up_after_its_attempts_and_never_sends_what_is_gone(settings, editor):
    settings.TASKS = DATABASE_TASKS
    settings.WEBHOOK_RETRY_DELAYS = [0]
    with Receiver(failures=10) as receiver:
        WebhookEndpoint.objects.create(url=receiver.url, events=["article.published"])
        make_article(slug="never-received")
        for _ in range(3):
            work()
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == WebhookDelivery.Status.FAILED and delivery.attempts == 2
        assert len(receiver.received) == 2

    with Receiver() as receiver:
        WebhookEndpoint.objects.create(url=receiver.url, events=["article.published"])
        article = make_article(slug="gone-before-sent")
        changes_record([Record(Kind.ARTICLE, article.pk)])  # the event is recorded, its delivery waits
        article_archive(article=article, user=editor)  # and the article leaves before the worker sends it
        work()
        late = WebhookDelivery.objects.get(endpoint__url=receiver.url)
        assert late.status == WebhookDelivery.Status.SUPERSEDED
        assert receiver.received == []


def test_the_signature_is_an_hmac_of_the_timestamp_and_body():
    body = b'{"id":1}'
    header = signature("whsec_test", 1_767_225_600, body)
    assert header.startswith("t=1767225600,v1=") and len(header.split("v1=")[1]) == 64
    assert signature_valid("whsec_test", header, body, now=1_767_225_600 + 10)
    assert not signature_valid("whsec_test", header, body + b" ", now=1_767_225_600)
    assert not signature_valid("whsec_test", header, body, now=1_767_225_600 + 3600)  # a replay
    assert not signature_valid("whsec_test", "v1=abc", body)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "ftp://example.org/hook",
        "http://user:pass@example.org/hook",
    ],
)
def test_private_and_odd_addresses_are_refused_in_production(settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError):
        address_check(url)


def test_a_public_address_passes(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    assert address_check("http://93.184.215.14/hook") == ["93.184.215.14"]


@pytest.mark.django_db
def test_the_admin_refuses_a_private_address_and_shows_the_secret_once(editor_client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    response = editor_client.post(
        "/admin/integrations/webhookendpoint/add/",
        {
            "url": "http://127.0.0.1:9/hook",
            "description": "",
            "events": ["article.published"],
            "active": "on",
        },
    )
    assert response.status_code == 200 and "loopback, private or reserved" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()

    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    response = editor_client.post(
        "/admin/integrations/webhookendpoint/add/",
        {
            "url": "http://127.0.0.1:9/hook",
            "description": "",
            "events": ["article.published"],
            "active": "on",
        },
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    again = editor_client.get(f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in again


@pytest.mark.django_db
def test_contributors_cannot_register_webhooks(contributor_client):
    assert contributor_client.get("/admin/integrations/webhookendpoint/add/").status_code == 403
    assert contributor_client.get("/admin/integrations/webhookdelivery/").status_code == 403
