import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from articles.models import Annotation, Article, Paragraph

pytestmark = pytest.mark.django_db


def table_counts():
    return (Article.objects.count(), Paragraph.objects.count(), Annotation.objects.count())


def test_load_seed_is_idempotent_and_keeps_editors_changes(capsys):
    call_command("load_seed")
    first = table_counts()
    assert first[0] == 1 and first[1] > 60
    article = Article.objects.get()
    article.title = "編輯改過的標題"
    article.save()

    call_command("load_seed")
    assert table_counts() == first
    assert Article.objects.get().title == "編輯改過的標題"
    assert "already loaded" in capsys.readouterr().out


@override_settings(BAIMO_DEV_EDITOR=True)
def test_ensure_editor_creates_account_once_and_prints_password(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(
        "articles.management.commands.ensure_editor.PASSWORD_FILE", tmp_path / ".editor-password"
    )
    call_command("ensure_editor")
    out = capsys.readouterr().out
    password = (tmp_path / ".editor-password").read_text().strip()
    assert "user name: editor" in out and password in out
    user = get_user_model().objects.get(username="editor")
    assert user.is_staff and user.check_password(password)

    call_command("ensure_editor")
    assert password in capsys.readouterr().out
    assert get_user_model().objects.filter(username="editor").count() == 1


@override_settings(BAIMO_DEV_EDITOR=False)
def test_ensure_editor_refuses_outside_development():
    with pytest.raises(CommandError, match="development settings"):
        call_command("ensure_editor")
    assert not get_user_model().objects.exists()
