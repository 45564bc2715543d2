"""The index follows content as editors publish, edit, schedule, unpublish and delete it."""

from datetime import timedelta

import pytest
import tablib
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.models import ProtectedError, Q
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Paragraph, Section
from articles.publication import article_publish_version
from core import frontcache
from core.frontcache import SEARCH_TAG
from landscape.models import Alias, Company, Person
from landscape.resources import CompanyResource
from search.models import SearchDocument, document_key
from search.selectors import search
from search.services import _paragraph_document, _sync, search_rebuild
from tests.factories import make_article, make_company, make_person, make_quote, paragraphs, set_text

pytestmark = pytest.mark.django_db


def found(query: str, **options) -> list[str]:
    return [hit.title for hit in search(query, limit=100, **options).hits]


def publish(article: Article, when=None) -> None:
    article.status = Article.Status.PUBLISHED
    article.publish_at = when or timezone.now() - timedelta(minutes=1)
    article.save()
    article_publish_version(article)


def unpublish(article: Article) -> None:
    article.status = Article.Status.DRAFT
    article.save()


@pytest.mark.parametrize("status", ["draft", "review", "archived"])
def test_unpublished_article_is_not_indexed_until_published(status):
    article = make_article("晶片禁令的影響。", status=status, title="未發佈的文章")
    assert found("晶片") == []
    assert not SearchDocument.objects.filter(article=article).exists()
    publish(article)
    assert found("晶片") == ["未發佈的文章"]
    unpublish(article)
    assert found("晶片") == []
    assert not SearchDocument.objects.filter(article=article).exists()


def test_publishing_an_edited_paragraph_forgets_the_old_words_and_learns_the_new():
    article = make_article("舊詞彙在這裡。")
    paragraph = paragraphs(article)[0]
    paragraph.text = "新說法在這裡。"
    paragraph.save()
    # Readers still see the live version: so does search, until an editor publishes the change.
    assert found("詞彙") == [article.title] and found("說法") == []
    article_publish_version(article)
    assert found("詞彙") == []
    assert found("說法") == [article.title]


def test_new_paragraph_and_renamed_article_are_indexed_once_published():
    article = make_article("第一段。")
    title = article.title
    section = Section.objects.get(article=article)
    Paragraph.objects.create(section=section, position=5, text="補充的一段談晶片。")
    article.title = "改過的標題"
    article.save()
    assert found("晶片") == [] and found("第一段") == [title]
    article_publish_version(article)
    assert found("晶片") == ["改過的標題"]


@pytest.mark.parametrize("ahead", [timedelta(hours=1), timedelta(days=40)])
def test_scheduled_article_becomes_searchable_at_its_time_without_a_job(ahead):
    when = timezone.now() + ahead
    article = make_article(
        "排程發佈的晶片報道。", status=Article.Status.SCHEDULED, publish_at=when, title="排程文章"
    )
    assert SearchDocument.objects.filter(article=article).exists()
    assert found("晶片") == [] and search("晶片").total == 0
    # Time passes, into another month too: nothing is saved and no signal fires.
    later = when + timedelta(seconds=1)
    assert found("晶片", now=later) == ["排程文章"]
    assert search("晶片", now=later).total == 1


def test_unpublishing_behind_the_orms_back_still_hides_content():
    article = make_article("晶片。", title="被撤下的文章")
    company = make_company("晶片公司")
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    Company.objects.filter(pk=company.pk).update(published=False)
    assert found("晶片") == []


def anchors_found(query: str) -> list[str]:
    return sorted(hit.anchor for hit in search(query, limit=100).hits)


def test_editing_or_deleting_working_copy_paragraphs_changes_nothing_until_published():
    article = make_article("晶片一。", "晶片二。", "晶片三。")
    first, second, third = paragraphs(article)
    live = sorted(p.anchor for p in (first, second, third))
    first.delete()
    second.text = "改寫成別的話。"
    second.save()
    Paragraph.objects.create(section=third.section, position=9, text="新寫的晶片段落。")
    # Readers still see the live version, all three paragraphs as published: so does search.
    assert anchors_found("晶片") == live
    assert anchors_found("別的話") == []
    article_publish_version(Article.objects.get(pk=article.pk))
    new = Paragraph.objects.get(text="新寫的晶片段落。")
    assert anchors_found("晶片") == sorted([third.anchor, new.anchor])
    assert anchors_found("別的話") == [second.anchor]


def test_deleting_a_section_of_the_working_copy_keeps_its_published_paragraphs():
    article = make_article("晶片一。", "晶片二。")
    Section.objects.filter(article=article).delete()
    assert len(anchors_found("晶片")) == 2
    article_publish_version(Article.objects.get(pk=article.pk))
    assert anchors_found("晶片") == []


def test_withdrawals_take_effect_at_once():
    article = make_article("晶片的新聞。", title="將撤下的文章")
    company = make_company("晶片公司")
    speaker = make_person("晶片專家")
    make_quote(paragraphs(article)[0], "晶片的新聞。", speaker)
    assert sorted(found("晶片")) == ["將撤下的文章", "晶片公司", "晶片專家", "晶片專家"]
    company.published = False
    company.save()
    speaker.published = False
    speaker.save()
    # The quote stays, found by its words, no longer naming the unpublished speaker.
    assert sorted(found("晶片")) == ["將撤下的文章", "將撤下的文章"]
    unpublish(article)
    assert found("晶片") == []


def test_deleting_an_article_removes_its_documents():
    article = make_article("晶片三。")
    make_quote(paragraphs(article)[0], "晶片三。", make_person("發言人"))
    article_id = article.pk
    article.delete()
    assert found("晶片") == [] and not SearchDocument.objects.filter(article_id=article_id).exists()


def test_company_is_searchable_only_while_published_with_its_aliases():
    company = make_company("商湯科技", "SenseTime", aliases=["商湯"], published=False)
    assert found("商汤") == []
    company.published = True
    company.save()
    assert found("商汤") == found("sensetime") == ["商湯科技"]
    alias = Alias.objects.create(name="日日新公司", company=company)
    assert found("日日新") == ["商湯科技"]
    alias.delete()
    assert found("日日新") == []
    company.published = False
    company.save()
    assert found("商汤") == []


def test_alias_moved_to_another_company_leaves_the_first():
    make_company("甲公司", aliases=["小名"])
    second = make_company("乙公司")
    alias = Alias.objects.get(name="小名")
    alias.company = second
    alias.save()
    assert found("小名") == ["乙公司"]


def test_deleting_a_company_with_aliases_leaves_no_document_behind():
    company = make_company("丙公司", aliases=["丙", "丙科技"])
    company.delete()
    connection.check_constraints()
    assert not SearchDocument.objects.exists()


def test_quote_follows_its_article_and_speaker():
    article = make_article("他說：理想上慢一步。", status=Article.Status.DRAFT)
    speaker = make_person("王小川")
    make_quote(paragraphs(article)[0], "理想上慢一步。", speaker)
    assert found("理想", types=["quote"]) == []
    publish(article)
    assert found("理想", types=["quote"]) == ["王小川"]
    speaker.name_zh = "王小川先生"
    speaker.save()
    assert found("理想", types=["quote"]) == ["王小川先生"]
    assert found("先生", types=["quote"]) == ["王小川先生"]
    unpublish(article)
    assert found("理想", types=["quote"]) == []


def test_unlinking_a_speaker_updates_their_quotes():
    article = make_article("他說：落地上快三步。")
    speaker = make_person("王小川")
    quote = make_quote(paragraphs(article)[0], "落地上快三步。", speaker)
    quote.speaker_description = "一位創業者"
    quote.save()
    with pytest.raises(ProtectedError):  # a person who speaks quotes cannot be deleted from under them
        speaker.delete()
    quote.speaker = None
    quote.save()
    connection.check_constraints()
    assert found("落地", types=["quote"]) == ["一位創業者"]


def test_unpublished_person_is_hidden():
    person = make_person("邱錫鵬", bio="復旦大學教授", published=False)
    assert found("邱锡鹏") == []
    person.published = True
    person.save()
    assert found("邱锡鹏") == ["邱錫鵬"]
    Person.objects.filter(pk=person.pk).update(published=False)
    assert found("邱锡鹏") == []


def test_loaddata_indexes_the_fixture_whatever_its_order(seed_article):
    assert SearchDocument.objects.filter(article=seed_article, kind="paragraph").count() == 70


def test_rebuild_is_idempotent_and_repairs_the_index(seed_article):
    make_company("百川智能", aliases=["百川"])
    before = sorted(SearchDocument.objects.values_list("kind", "object_id", "tokens"))
    report = search_rebuild()
    assert (report.created, report.updated, report.removed) == (0, 0, 0)
    assert sorted(SearchDocument.objects.values_list("kind", "object_id", "tokens")) == before

    SearchDocument.objects.filter(kind="company").delete()
    SearchDocument.objects.filter(kind="paragraph", anchor="p-30").update(tokens="", normalised="")
    draft = make_article("草稿裡的算力。", status=Article.Status.DRAFT)
    draft_paragraph = Section.objects.get(article=draft).paragraphs.get()
    SearchDocument.objects.create(
        id=document_key("paragraph", draft_paragraph.pk),
        kind="paragraph",
        object_id=draft_paragraph.pk,
        article=draft,
        title="不該在索引裡",
        url="/",
        text="算力",
    )
    report = search_rebuild()
    assert (report.created, report.updated, report.removed) == (1, 1, 1)
    assert sorted(SearchDocument.objects.values_list("kind", "object_id", "tokens")) == before
    assert "p-30" in {hit.anchor for hit in search("算力").hits}


def test_rebuild_command_reports_what_it_did(seed_article, capsys):
    SearchDocument.objects.all().delete()
    call_command("search_rebuild")
    assert "70 created, 0 updated, 0 removed" in capsys.readouterr().out
    call_command("search_rebuild")
    assert "0 created, 0 updated, 0 removed" in capsys.readouterr().out


def test_rebuild_in_small_batches_builds_the_same_index_and_reports_progress(seed_article, monkeypatch):
    make_company("百川智能", aliases=["百川"])
    make_quote(paragraphs(seed_article)[0], paragraphs(seed_article)[0].text[:6], make_person("發言人"))
    before = sorted(SearchDocument.objects.values_list("pk", "kind", "object_id", "tokens", "title"))
    SearchDocument.objects.all().delete()
    monkeypatch.setattr("search.services.ARTICLES_PER_BATCH", 1)
    monkeypatch.setattr("search.services.ROWS_PER_BATCH", 2)
    told = []
    report = search_rebuild(progress=lambda unit, done, total: told.append((unit, done, total)))
    assert sorted(SearchDocument.objects.values_list("pk", "kind", "object_id", "tokens", "title")) == before
    assert report.created == len(before)
    assert ("articles", 1, 1) in told and told[-1][0] == "people"
    published = Company.objects.published().count()
    companies = [(done, total) for unit, done, total in told if unit == "companies"]
    assert companies == [(min(done, published), published) for done in range(2, published + 2, 2)]


def test_unpublishing_an_article_drops_its_documents(seed_article):
    assert SearchDocument.objects.filter(article=seed_article).count() == 70
    unpublish(seed_article)
    assert not SearchDocument.objects.filter(article=seed_article).exists()
    assert search("算力").total == 0


def test_load_seed_leaves_the_seed_searchable(capsys):
    call_command("load_seed")
    assert "Search index rebuilt" in capsys.readouterr().out
    assert {hit.anchor for hit in search("算力", types=["paragraph"]).hits} == {
        "p-15",
        "p-19",
        "p-27",
        "p-30",
        "p-33",
    }


def test_indexing_a_source_another_request_just_indexed_updates_it():
    article = make_article("舊的算力。")
    paragraph = paragraphs(article)[0]
    Paragraph.objects.filter(pk=paragraph.pk).update(text="新的晶片。")
    article_publish_version(Article.objects.get(pk=article.pk))
    SearchDocument.objects.filter(object_id=paragraph.pk).update(text="舊的算力。", tokens="", normalised="")
    article = Article.objects.select_related("live_version").get(pk=article.pk)
    (section,) = article.live_version.content["sections"]
    # As if a concurrent request inserted the document after this one looked: the scope sees nothing.
    _sync(
        SearchDocument.Kind.PARAGRAPH,
        Q(pk__in=[]),
        [_paragraph_document(article, section, section["paragraphs"][0])],
    )
    assert SearchDocument.objects.filter(kind="paragraph", object_id=paragraph.pk).count() == 1
    assert found("晶片") == [article.title] and found("算力") == []


# --- Bulk actions: each goes through the services a single edit uses, so the index follows -------------


def run_action(client, model: str, action: str, objs) -> None:
    data = {"action": action, "_selected_action": [str(obj.pk) for obj in objs], "index": "0"}
    response = client.post(reverse(f"admin:{model}_changelist"), data)
    if action == "publish_now":  # asks first: confirm the articles the check finds nothing in
        data.update(checked=response.context["checked"], publish="clean")
        response = client.post(reverse(f"admin:{model}_changelist"), data)
    assert response.status_code == 302


def indexed(*objs) -> list[bool]:
    return [SearchDocument.objects.filter(**{type(obj).__name__.lower(): obj}).exists() for obj in objs]


def test_bulk_publishing_and_unpublishing_companies_and_people_follows_in_the_index(admin_client):
    companies = [make_company("月之暗面", published=False), make_company("智譜華章", published=False)]
    person = make_person("楊植麟", published=False)
    run_action(admin_client, "landscape_company", "make_published", companies)
    run_action(admin_client, "landscape_person", "make_published", [person])
    assert indexed(*companies, person) == [True, True, True]
    assert (
        found("月之暗面") == ["月之暗面"] and found("智譜") == ["智譜華章"] and found("楊植麟") == ["楊植麟"]
    )

    run_action(admin_client, "landscape_company", "make_unpublished", companies)
    run_action(admin_client, "landscape_person", "make_unpublished", [person])
    assert indexed(*companies, person) == [False, False, False]
    assert found("月之暗面") == found("智譜") == found("楊植麟") == []


def test_bulk_status_changes_of_articles_follow_in_the_index(admin_client):
    drafts = [
        make_article("第一篇談晶片。", status=Article.Status.DRAFT, title="甲文", summary="摘要"),
        make_article("第二篇談晶片。", status=Article.Status.DRAFT, title="乙文", summary="摘要"),
    ]
    assert not SearchDocument.objects.filter(article__in=drafts).exists()
    run_action(admin_client, "articles_article", "publish_now", drafts)
    assert sorted(found("晶片")) == ["乙文", "甲文"]
    assert SearchDocument.objects.filter(article__in=drafts).count() == 2

    run_action(admin_client, "articles_article", "archive", drafts)
    assert found("晶片") == [] and not SearchDocument.objects.filter(article__in=drafts).exists()
    run_action(admin_client, "articles_article", "return_to_draft", drafts)
    run_action(admin_client, "articles_article", "publish_now", drafts[:1])
    assert found("晶片") == ["甲文"]


def test_importing_companies_indexes_the_published_ones_and_drops_the_unpublished(admin_user):
    shown, hidden = make_company("月之暗面", published=False), make_company("智譜華章")
    dataset = CompanyResource().export()
    rows = []
    for row in dataset.dict:
        row["published"] = "1" if row["slug"] == shown.slug else "0"
        rows.append([row[header] for header in dataset.headers])
    changed = tablib.Dataset(*rows, headers=dataset.headers)
    result = CompanyResource().import_data(changed, dry_run=False, raise_errors=True, user=admin_user)
    assert not result.has_errors()
    assert indexed(shown, hidden) == [True, False]
    assert found("月之暗面") == ["月之暗面"] and found("智譜") == []


def test_a_migrate_fills_an_empty_index_and_leaves_a_filled_one_alone():
    article = make_article("遷移之後的晶片。", title="遷移文章")
    SearchDocument.objects.all().delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert found("晶片") == ["遷移文章"]

    SearchDocument.objects.filter(article=article).update(title="舊標題")
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert found("晶片") == ["舊標題"]


def search_bans(run) -> list[frozenset[str]]:
    """Return the front-cache bans `run()` sends that name search results, once it commits."""
    start = len(frontcache.sent)
    run()
    return [tags for tags in list(frontcache.sent)[start:] if SEARCH_TAG in tags]


def test_a_rebuild_that_changes_the_index_bans_search_once_and_one_that_changes_nothing_none(
    seed_article, django_capture_on_commit_callbacks
):
    def rebuild():
        with django_capture_on_commit_callbacks(execute=True):
            search_rebuild()

    assert search_bans(rebuild) == []
    SearchDocument.objects.filter(kind="paragraph", anchor="p-30").update(tokens="", normalised="")
    SearchDocument.objects.filter(kind="paragraph", anchor="p-31").delete()
    assert search_bans(rebuild) == [frozenset({SEARCH_TAG})]
    assert search_bans(rebuild) == []


def test_a_repair_bans_search_even_when_no_document_changed(seed_article, django_capture_on_commit_callbacks):
    def repair():
        with django_capture_on_commit_callbacks(execute=True):
            assert search_rebuild(repair=True).created == 0

    assert search_bans(repair) == [frozenset({SEARCH_TAG})]


def test_moving_a_quoted_paragraph_out_of_public_articles_bans_search_and_editing_it_does_not(
    django_capture_on_commit_callbacks,
):
    article = make_article("第一段。", "第二段說算力。")
    first, second = paragraphs(article)
    make_quote(second, "說算力", make_person("發言人"))
    live_anchor = second.anchor
    draft = make_article("草稿。", status=Article.Status.DRAFT)

    def save(paragraph, **fields):
        def run():
            with django_capture_on_commit_callbacks(execute=True):
                for name, value in fields.items():
                    setattr(paragraph, name, value)
                paragraph.save()

        return run

    # The working copy's edits change nothing readers see: the quote points at the live paragraph.
    assert search_bans(save(first, text="第一段改過。")) == []
    assert search_bans(save(second, anchor="p-moved")) == []
    (quote,) = search("說算力", types=["quote"]).hits
    assert quote.anchor == live_anchor
    # A quote is public with its article: moved into a draft, it leaves search.
    assert search_bans(save(second, section=Section.objects.get(article=draft))) == [frozenset({SEARCH_TAG})]
    assert search("說算力", types=["quote"]).hits == []


def test_a_quote_on_words_or_a_paragraph_not_yet_published_waits_for_the_publish():
    article = make_article("他說：理想上慢一步。")
    speaker = make_person("王小川")
    published = paragraphs(article)[0]
    # Words the working copy has and readers do not yet.
    set_text(published, "他說：理想上慢一步，算力先行。")
    make_quote(published, "算力先行", speaker)
    fresh = Paragraph.objects.create(section=published.section, position=5, text="新段落：開源不設限。")
    make_quote(fresh, "開源不設限", speaker)
    assert found("算力先行", types=["quote"]) == [] and found("開源", types=["quote"]) == []
    publish(article)
    assert found("算力先行", types=["quote"]) == ["王小川"]
    (hit,) = search("開源", types=["quote"]).hits
    assert hit.anchor == fresh.anchor and hit.url.endswith(f"#{fresh.anchor}")
