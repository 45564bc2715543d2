"""The quote list's filter names only the published speakers and companies with a public quote."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from landscape.selectors import quote_filter_choices
from tests.factories import first_paragraph, make_article, make_company, make_person, make_quote, publish

pytestmark = pytest.mark.django_db


def test_the_filter_lists_a_speaker_or_company_only_for_a_quote_readers_can_see(django_assert_num_queries):
    live = first_paragraph(make_article(sections=1, paragraphs=1))
    draft = first_paragraph(make_article(status=Article.Status.DRAFT, sections=1, paragraphs=1))
    later = first_paragraph(
        make_article(
            status=Article.Status.SCHEDULED,
            publish_at=timezone.now() + timedelta(days=1),
            sections=1,
            paragraphs=1,
        )
    )
    quoted = make_person(name_zh="甲", slug="quoted")
    in_draft = make_person(name_zh="乙", slug="in-draft")
    scheduled = make_person(name_zh="丙", slug="scheduled")
    hidden = make_person(name_zh="丁", slug="hidden", published=False)
    make_person(name_zh="戊", slug="never-quoted")
    shown = make_company(name_zh="甲公司", slug="shown")
    unshown = make_company(name_zh="乙公司", slug="unshown")
    make_quote(live, "第一句", speaker=quoted, company=shown)
    make_quote(live, "第二句", speaker=hidden)
    make_quote(draft, "第三句", speaker=in_draft, company=unshown)
    make_quote(draft, "第四句", speaker=quoted, company=unshown)
    make_quote(later, "第五句", speaker=scheduled, company=unshown)

    choices = quote_filter_choices()
    with django_assert_num_queries(2):
        speakers = [person.slug for person in choices["speakers"]]
        companies = [company.slug for company in choices["companies"]]
    assert speakers == ["quoted"]
    assert companies == ["shown"]


def test_a_quote_on_a_paragraph_added_since_publishing_names_no_one_until_the_next_publish():
    article = make_article(sections=1, paragraphs=1)
    speaker = make_person(name_zh="甲", slug="quoted")
    section = article.sections.get()
    added = section.paragraphs.create(position=1, text="新的一段：大模型。")
    make_quote(added, "新的一段", speaker=speaker)
    assert list(quote_filter_choices()["speakers"]) == []

    publish(article)
    assert list(quote_filter_choices()["speakers"]) == [speaker]
