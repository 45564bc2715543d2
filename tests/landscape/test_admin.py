import pytest
from django.urls import reverse
from reversion.models import Version

from landscape.models import Affiliation, Alias, Company, Figure, Mention, Person, Product, Quote
from tests.admin_support import deletion_refused_by, recover
from tests.factories import (
    first_paragraph,
    make_company,
    make_figure,
    make_mention,
    make_person,
    make_quote,
    set_text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(article_factory):
    article = article_factory(sections=1, paragraphs=1)
    paragraph = set_text(first_paragraph(article), "騰訊、百度與王小川")
    tencent = make_company(name_zh="騰訊", slug="tencent", aliases=["鵝廠"])
    baidu = make_company(name_zh="百度", slug="baidu")
    wang = make_person(name_zh="王小川", slug="wang-xiaochuan", aliases=["小川"])
    return {
        "article": article,
        "company": tencent,
        "person": wang,
        "alias": Alias.objects.get(name="鵝廠"),
        "affiliation": Affiliation.objects.create(person=wang, company=tencent, role="顧問"),
        "product": Product.objects.create(name="微信", slug="wechat", company=tencent, kind=Product.Kind.APP),
        "quote": make_quote(paragraph=paragraph, text="騰訊、百度", speaker=wang),
        "figure": make_figure(paragraph=paragraph, company=tencent),
        "mentions": [
            make_mention(
                paragraph=paragraph, start=0, end=2, company=tencent, status=Mention.Status.SUGGESTED
            ),
            make_mention(paragraph=paragraph, start=3, end=5, company=baidu, status=Mention.Status.SUGGESTED),
            make_mention(paragraph=paragraph, start=6, end=9, person=wang, status=Mention.Status.SUGGESTED),
        ],
    }


MODELS = [Company, Person, Alias, Affiliation, Product, Quote, Figure, Mention]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_add_and_change_pages_load(admin_client, objects, model):
    opts = model._meta
    instance = model.objects.first()
    for url in (
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + "?q=騰訊",
        reverse(f"admin:{opts.app_label}_{opts.model_name}_add"),
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk]),
    ):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("model_name", "field_name", "term"),
    [
        ("quote", "speaker", "王"),
        ("quote", "company", "騰"),
        ("figure", "product", "微"),
        ("alias", "company", "鵝"),
    ],
)
def test_autocomplete_finds_entities(admin_client, objects, model_name, field_name, term):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "landscape", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    assert response.json()["results"]


def test_bulk_confirm_and_reject_actions(admin_client, objects):
    url = reverse("admin:landscape_mention_changelist")
    tencent, baidu, wang = objects["mentions"]

    admin_client.post(url, {"action": "confirm_mentions", "_selected_action": [tencent.pk, wang.pk]})
    admin_client.post(url, {"action": "reject_mentions", "_selected_action": [baidu.pk]})

    statuses = dict(Mention.objects.values_list("pk", "status"))
    assert statuses == {tencent.pk: "confirmed", baidu.pk: "rejected", wang.pk: "confirmed"}

    admin_client.post(url, {"action": "reopen_mentions", "_selected_action": [baidu.pk]})
    assert Mention.objects.get(pk=baidu.pk).status == "suggested"


def test_mentions_filter_by_status_and_article(admin_client, objects):
    Mention.objects.filter(pk=objects["mentions"][0].pk).update(status=Mention.Status.CONFIRMED)
    url = reverse("admin:landscape_mention_changelist")
    response = admin_client.get(
        url, {"status__exact": "confirmed", "paragraph__section__article__id__exact": objects["article"].pk}
    )
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_one_mention_is_confirmed_from_its_change_form(admin_client, objects):
    mention = objects["mentions"][1]
    url = reverse("admin:landscape_mention_change", args=[mention.pk])
    response = admin_client.post(
        url,
        {
            "paragraph": mention.paragraph_id,
            "start": mention.start,
            "end": mention.end,
            "company": mention.company_id,
            "person": "",
            "status": "confirmed",
        },
    )
    assert response.status_code == 302
    assert Mention.objects.get(pk=mention.pk).status == "confirmed"


def test_a_mention_span_must_cover_its_paragraph_text(admin_client, objects):
    paragraph_id = objects["mentions"][0].paragraph_id
    response = admin_client.post(
        reverse("admin:landscape_mention_add"),
        {
            "paragraph": paragraph_id,
            "start": 40,
            "end": 45,
            "company": objects["company"].pk,
            "status": "suggested",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors


def test_a_quote_must_be_copied_from_its_paragraph(admin_client, objects):
    response = admin_client.post(
        reverse("admin:landscape_quote_add"),
        {"paragraph": objects["quote"].paragraph_id, "text": "編造的話", "speaker": objects["person"].pk},
    )
    assert response.status_code == 200
    assert "text" in response.context["adminform"].form.errors


def test_detect_view_runs_detection_for_the_chosen_article(admin_client, objects):
    Mention.objects.all().delete()
    url = reverse("admin:landscape_mention_detect")

    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"article": objects["article"].pk})

    assert response.status_code == 302
    assert set(Mention.objects.values_list("text", flat=True)) == {"騰訊", "百度", "王小川"}


def test_publish_actions(admin_client, objects):
    url = reverse("admin:landscape_company_changelist")
    admin_client.post(url, {"action": "make_unpublished", "_selected_action": [objects["company"].pk]})
    assert not Company.objects.get(pk=objects["company"].pk).published


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:index",
        "admin:landscape_company_import",
        "admin:landscape_company_export",
        "admin:landscape_mention_detect",
        "admin:landscape_company_recoverlist",
    ],
)
def test_every_admin_page_has_baimo_header_and_styled_breadcrumbs(admin_client, objects, url_name):
    """Third-party pages write <div class="breadcrumbs">: the shared stylesheet styles it on every page."""
    html = admin_client.get(reverse(url_name)).content.decode()
    assert "css/admin-base.css" in html
    assert "百模 Baimo" in html and "Django 管理" not in html
    if url_name != "admin:index":
        assert 'class="breadcrumbs"' in html


def test_detect_page_breadcrumbs_match_the_rest_of_the_admin(admin_client, objects):
    html = admin_client.get(reverse("admin:landscape_mention_detect")).content.decode()
    assert '<ol class="breadcrumbs">' in html and '<div id="content-main">' in html


def test_bulk_publishing_indexes_for_search_and_records_a_revision(admin_client, admin_user, objects):
    hidden = make_company(name_zh="月之暗面", name_en="Moonshot AI", slug="moonshot", published=False)
    person = make_person(name_zh="楊植麟", slug="yang-zhilin", published=False)
    assert hidden.get_absolute_url() not in admin_client.get("/search", {"q": "月之暗面"}).content.decode()

    for model, entry in [("company", hidden), ("person", person)]:
        response = admin_client.post(
            reverse(f"admin:landscape_{model}_changelist"),
            {"action": "make_published", "_selected_action": [entry.pk]},
            follow=True,
        )
        assert "1 published." in response.content.decode()
        version = Version.objects.get_for_object(entry).get()
        assert version.revision.user == admin_user and version.revision.comment == "Published"
        assert version.field_dict["published"] is True

    assert hidden.get_absolute_url() in admin_client.get("/search", {"q": "月之暗面"}).content.decode()
    assert person.get_absolute_url() in admin_client.get("/search", {"q": "楊植麟"}).content.decode()

    admin_client.post(
        reverse("admin:landscape_company_changelist"),
        {"action": "make_unpublished", "_selected_action": [hidden.pk]},
    )
    assert hidden.get_absolute_url() not in admin_client.get("/search", {"q": "月之暗面"}).content.decode()
    assert Version.objects.get_for_object(hidden).count() == 2


def test_a_recovered_company_comes_back_unpublished_with_its_aliases_and_products(admin_client, objects):
    company = objects["company"]
    pk = company.pk
    for action in ("make_unpublished", "make_published"):
        admin_client.post(
            reverse("admin:landscape_company_changelist"), {"action": action, "_selected_action": [pk]}
        )
    assert Version.objects.get_for_object(company).first().field_dict["published"] is True
    for blocker in deletion_refused_by([company]):  # what names the company refuses its deletion
        blocker.delete()
    Company.objects.filter(pk=pk).delete()
    form, response = recover(admin_client, Company, pk)

    assert 'name="published"' not in form.content.decode()

    assert response.redirect_chain == [(reverse("admin:landscape_company_change", args=[pk]), 302)]
    recovered = Company.objects.get(pk=pk)
    assert not recovered.published and recovered.slug == "tencent"
    assert list(recovered.aliases.values_list("name", flat=True)) == ["鵝廠"]
    assert list(recovered.products.values_list("slug", flat=True)) == ["wechat"]
    assert recovered.get_absolute_url() not in admin_client.get("/search", {"q": "騰訊"}).content.decode()


def test_mention_list_shows_each_mention_marked_in_its_context(admin_client, objects):
    set_text(first_paragraph(objects["article"]), "騰訊、百度與王小川<在此>")
    html = admin_client.get(reverse("admin:landscape_mention_changelist")).content.decode()
    # The same renderer as the pages: the span marked, the text around it escaped.
    assert "…騰訊、<mark>百度</mark>與王小川&lt;在此&gt;…" in html
