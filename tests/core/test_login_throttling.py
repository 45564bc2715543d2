"""Repeated failed admin logins lock out the guesser (user name and address together), not the site."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "a-long-editor-password"
ATTACKER = "203.0.113.9"
EDITOR_DESK = "198.51.100.20"


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", password=PASSWORD, is_staff=True)


def log_in(password: str, *, address: str = ATTACKER, username: str = "editor", **headers):
    return Client(REMOTE_ADDR=address, headers=headers).post(
        LOGIN, {"username": username, "password": password}
    )


def fail_until_locked(**kwargs):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = log_in("wrong-guess", **kwargs)
    return response


def test_failures_below_the_limit_just_say_the_password_is_wrong(editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in("wrong-guess")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    assert log_in(PASSWORD).status_code == 302


def test_the_limit_locks_out_that_name_from_that_address_even_with_the_right_password(editor):
    response = fail_until_locked()
    assert response.status_code == 429
    response = log_in(PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in response.client.session


def test_the_lockout_page_says_what_happened_and_when_to_retry(editor):
    fail_until_locked()
    before = timezone.localtime()
    response = log_in(PASSWORD)
    after = timezone.localtime()
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "Too many failed logins" in html
    assert f"failed to log in {settings.AXES_FAILURE_LIMIT} times" in html
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"Try again in {minutes} minutes" in html
    # The refused attempt restarts the wait, so it ends a cool-off after now.
    assert any(
        f'<time datetime="{moment + settings.AXES_COOLOFF_TIME:%Y-%m-%dT%H:%M}' in html
        for moment in (before, after)
    )
    assert "axes_reset_username" in html
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_the_editor_logs_in_from_elsewhere_and_no_other_name_is_locked(editor, django_user_model):
    django_user_model.objects.create_user("contributor", password=PASSWORD, is_staff=True)
    fail_until_locked()
    assert log_in(PASSWORD, address=EDITOR_DESK).status_code == 302
    assert log_in(PASSWORD, username="contributor").status_code == 302


def test_the_lockout_lives_in_the_database_every_app_process_shares(editor):
    fail_until_locked()
    cache.clear()  # another process, or Redis restarted: the attempts are still there
    assert (
        AccessAttempt.objects.filter(username="editor", ip_address=ATTACKER).get().failures_since_start
        == settings.AXES_FAILURE_LIMIT
    )
    assert log_in(PASSWORD).status_code == 429


def test_the_lockout_ends_after_the_cool_off(editor):
    fail_until_locked()
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert log_in(PASSWORD).status_code == 302


def test_an_operator_unlocks_with_a_management_command(editor):
    fail_until_locked()
    call_command("axes_reset_username", "editor", verbosity=0)
    assert log_in(PASSWORD).status_code == 302


def test_a_forged_x_forwarded_for_does_not_dodge_the_lockout(editor, settings):
    settings.API_TRUSTED_PROXY_COUNT = 0
    fail_until_locked()
    assert log_in(PASSWORD, **{"X-Forwarded-For": EDITOR_DESK}).status_code == 429


def test_behind_a_proxy_the_address_it_saw_is_the_one_locked_out(editor, settings):
    settings.API_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    # The client forged the first entry; our proxy appended the address it really saw.
    fail_until_locked(address=proxy, **{"X-Forwarded-For": f"{EDITOR_DESK}, {ATTACKER}"})
    assert AccessAttempt.objects.get().ip_address == ATTACKER
    assert log_in(PASSWORD, address=proxy, **{"X-Forwarded-For": ATTACKER}).status_code == 429
    assert log_in(PASSWORD, address=proxy, **{"X-Forwarded-For": EDITOR_DESK}).status_code == 302


def test_force_login_and_logins_without_an_address_still_work(client, editor):
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200
