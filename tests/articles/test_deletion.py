"""Deleting articles, sections and paragraphs: everything that hung on them is recovered with them."""

import pytest
import reversion
from django.contrib import admin
from django.db import models
from django.urls import reverse
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles.annotations import annotation_create
from articles.models import Annotation, Article, Paragraph, Section, Topic
from core.deletion import RecoverableDeletionMixin
from core.versioning import RestoringVersionAdmin
from exchange.models import PendingImport
from landscape.models import Alias, Company, Figure, Mention, Product, Quote
from tests.admin_support import posted_form, recover, recover_url
from tests.factories import (
    first_paragraph,
    make_company,
    make_figure,
    make_mention,
    make_person,
    make_quote,
)

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"admin:articles_{name}", args=args)


def hanging_on(article) -> dict:
    """Return the pks of everything that hangs on the article, by kind."""
    paragraphs = Paragraph.objects.filter(section__article=article)
    return {
        "sections": set(Section.objects.filter(article=article).values_list("pk", flat=True)),
        "paragraphs": set(paragraphs.values_list("pk", flat=True)),
        "annotations": set(Annotation.objects.filter(article=article).values_list("pk", "paragraph_id")),
        "quotes": set(Quote.objects.filter(paragraph__in=paragraphs).values_list("pk", "speaker_id", "text")),
        "figures": set(Figure.objects.filter(paragraph__in=paragraphs).values_list("pk", "company_id")),
        "mentions": set(Mention.objects.filter(paragraph__in=paragraphs).values_list("pk", "status")),
    }


@pytest.fixture
def cited(article_factory, editor):
    """A published article with an editor's revision, then an annotation, a quote, a figure and a mention."""
    article = article_factory(title="百模大戰一週年")
    with reversion.create_revision():
        reversion.set_user(editor)
        article.save()  # the article's last version before anything below was added
    paragraph = first_paragraph(article)
    person, company = make_person(name_zh="王小川"), make_company(name_zh="百川智能")
    annotation_create(
        paragraph=paragraph,
        start=0,
        end=3,
        kind="note",
        visibility="internal",
        body="查證",
        created_by=editor,
    )
    make_quote(paragraph=paragraph, speaker=person, text=paragraph.text[4:8])
    make_figure(paragraph=paragraph, company=company)
    make_mention(paragraph=paragraph, start=5, end=8, company=company)
    return {"article": article, "person": person, "company": company}


def test_a_deleted_article_is_recovered_with_annotations_quotes_figures_and_mentions(editor_client, cited):
    article = cited["article"]
    before = hanging_on(article)
    assert all(before.values())

    page = editor_client.get(url("article_delete", article.pk))
    text = page.content.decode()
    for named in ("Annotation:", "Quote:", "Figure:", "Mention:", "Paragraph:"):
        assert named in text
    assert "Recover deleted articles" in text and "brings it all back" in text
    assert editor_client.post(url("article_delete", article.pk), {"post": "yes"}).status_code == 302
    assert not any(hanging_on(article).values())

    form, response = recover(editor_client, Article, article.pk)

    assert "1 annotation" in form.content.decode() and "1 quote" in form.content.decode()
    # The note says what the recovered article comes back as, not that its status stays as it is now.
    assert "It comes back with status “Draft”, publish at empty, slug" in form.content.decode()
    assert "and live version empty" in form.content.decode()
    assert "stay as they are now" not in form.content.decode()
    assert response.redirect_chain == [(url("article_change", article.pk), 302)]
    assert "as a draft" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT
    assert hanging_on(article) == before
    assert not Annotation.objects.get(article=article).orphaned


def test_bulk_deleted_articles_are_recovered_one_at_a_time(editor_client, cited, article_factory):
    first = cited["article"]
    second = article_factory()
    make_quote(paragraph=first_paragraph(second), text=first_paragraph(second).text[:3])
    before = hanging_on(first)

    page = editor_client.post(
        url("article_changelist"), {"action": "delete_selected", "_selected_action": [first.pk, second.pk]}
    )
    assert "Recover deleted articles" in page.content.decode()
    response = editor_client.post(
        url("article_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302 and not Article.objects.exists() and not Quote.objects.exists()

    recover(editor_client, Article, first.pk)

    assert list(Article.objects.values_list("pk", flat=True)) == [first.pk]
    assert hanging_on(first) == before
    assert Quote.objects.count() == 1  # the second article's quote stays deleted with it


def test_recovering_an_article_whose_quoted_speaker_is_gone_says_so_and_changes_nothing(editor_client, cited):
    article, person = cited["article"], cited["person"]
    assert editor_client.post(url("article_delete", article.pk), {"post": "yes"}).status_code == 302
    # With its quote gone, nothing refers to the person any more: it may be deleted.
    assert editor_client.post(reverse("admin:landscape_person_delete", args=[person.pk]), {"post": "yes"})
    assert not type(person).objects.filter(pk=person.pk).exists()

    response = editor_client.get(recover_url(Article, article.pk), follow=True)

    assert response.redirect_chain == [(url("article_changelist"), 302)]
    assert "no longer exists" in response.content.decode()
    assert not Article.objects.filter(pk=article.pk).exists() and not Quote.objects.exists()


def test_a_deleted_paragraph_is_recovered_with_its_quotes_and_mentions(editor_client, cited):
    paragraph = first_paragraph(cited["article"])
    quotes = set(paragraph.quotes.values_list("pk", flat=True))
    mentions = set(paragraph.mentions.values_list("pk", flat=True))

    assert editor_client.post(url("paragraph_delete", paragraph.pk), {"post": "yes"}).status_code == 302
    assert not Quote.objects.exists()
    # An editor's decided mention is never deleted with its paragraph: it moves to the paragraph that
    # holds its text with its context (here the next one), or waits for review (landscape/mentions.py).
    kept = Mention.objects.filter(pk__in=mentions)
    assert kept.count() == len(mentions)
    assert all(m.paragraph_id != paragraph.pk for m in kept)
    recover(editor_client, Paragraph, paragraph.pk)

    paragraph = Paragraph.objects.get(pk=paragraph.pk)
    assert set(paragraph.quotes.values_list("pk", flat=True)) == quotes
    assert Mention.objects.filter(pk__in=mentions).count() == len(mentions)


def test_a_section_deleted_on_the_article_page_is_recovered_with_what_hung_on_it(editor_client, cited):
    article = cited["article"]
    before = hanging_on(article)
    change = editor_client.get(url("article_change", article.pk))
    data = posted_form(change)
    first = article.sections.order_by("position").first()
    index = next(i for i in range(2) if data[f"sections-{i}-id"] == first.pk)
    data[f"sections-{index}-DELETE"] = "on"
    assert editor_client.post(url("article_change", article.pk), data).status_code == 302
    assert not Section.objects.filter(pk=first.pk).exists() and not Quote.objects.exists()

    recover(editor_client, Section, first.pk)

    after = hanging_on(article)
    assert after["sections"] == before["sections"] and after["paragraphs"] == before["paragraphs"]
    assert after["quotes"] == before["quotes"] and after["figures"] == before["figures"]
    assert after["mentions"] == before["mentions"]


def test_every_model_a_delete_takes_with_it_is_versioned():
    """Every history admin records its deletions, and all a delete cascades to is versioned with it.

    A topic is the one exception: deleting it takes only its links to articles, not editors' text.
    """
    for model_admin in admin.site._registry.values():
        if not isinstance(model_admin, VersionAdmin):
            continue
        assert isinstance(model_admin, RecoverableDeletionMixin) or model_admin.model is Topic
        pending, seen = [model_admin.model], set()
        while pending:
            model = pending.pop()
            seen.add(model)
            for relation in model._meta.related_objects:
                related = relation.related_model
                if relation.on_delete is not models.CASCADE or related in seen:
                    continue
                if related._meta.app_label == "search":
                    continue  # derived index rows, rebuilt from their source when it is recovered
                assert reversion.is_registered(related), f"{model.__name__} → {related.__name__}"
                pending.append(related)


def test_a_revision_holds_what_each_app_declares_it_follows():
    """An article's revision holds its sections and paragraphs; a company's its aliases and products."""
    article = Article.objects.create(title="版本", slug="what-a-revision-holds")
    section = Section.objects.create(article=article, position=0)
    paragraph = Paragraph.objects.create(section=section, position=0, text="一段。")
    company = Company.objects.create(name_zh="版本公司", slug="revision-company", layer=Company.Layer.STARTUP)
    alias = Alias.objects.create(name="版本", company=company)
    product = Product.objects.create(name="模型", slug="revision-model", company=company)
    for obj, held in [(article, {article, section, paragraph}), (company, {company, alias, product})]:
        with reversion.create_revision():
            reversion.add_to_revision(obj)
        revision = Version.objects.get_for_object(obj).get().revision
        assert {version.object for version in revision.version_set.all()} == held


def test_the_admin_registers_no_model_with_django_reversion():
    """What a revision holds is declared in each app's versioning module, never by an admin's inlines."""
    RestoringVersionAdmin(PendingImport, admin.site)
    assert not reversion.is_registered(PendingImport)
