"""Deleting companies, people and products: refused while others refer to them, else recoverable."""

import pytest
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from reversion.models import Version

from landscape.models import Affiliation, Alias, Company, Figure, Mention, Person, Product, Quote
from tests.admin_support import recover
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
    return reverse(f"admin:landscape_{name}", args=args)


def bulk_delete(client, model: str, objs, *, confirm: bool):
    data = {"action": "delete_selected", "_selected_action": [str(obj.pk) for obj in objs]}
    if confirm:
        data["post"] = "yes"
    return client.post(url(f"{model}_changelist"), data)


@pytest.fixture
def speaker(article_factory):
    """A person who speaks a quote only through the speaker link, and is mentioned once."""
    paragraph = first_paragraph(article_factory())
    person = make_person(name_zh="王小川", aliases=["小川"])
    quote = make_quote(paragraph=paragraph, speaker=person, text=paragraph.text[:4])
    assert quote.speaker_description == ""
    mention = make_mention(paragraph=paragraph, start=0, end=2, person=person)
    return {"person": person, "quote": quote, "mention": mention}


@pytest.fixture
def company(article_factory):
    """A company with its own aliases and product, named by a mention, an affiliation and a figure."""
    paragraph = first_paragraph(article_factory())
    company = make_company(name_zh="百川智能", aliases=["百川"])
    product = Product.objects.create(name="百川大模型", slug="baichuan-model", company=company)
    mention = make_mention(paragraph=paragraph, start=0, end=2, company=company)
    person = make_person()
    affiliation = Affiliation.objects.create(person=person, company=company, role="創始人")
    figure = make_figure(paragraph=paragraph, product=product)
    return {
        "company": company,
        "product": product,
        "mention": mention,
        "affiliation": affiliation,
        "figure": figure,
    }


def test_deleting_a_person_who_speaks_quotes_is_refused_with_a_page_naming_them(editor_client, speaker):
    person, quote = speaker["person"], speaker["quote"]

    page = editor_client.get(url("person_delete", person.pk))
    response = editor_client.post(url("person_delete", person.pk), {"post": "yes"})

    assert page.status_code == 200 and response.status_code == 200
    text = page.content.decode()
    assert "Cannot delete" in text and "Nothing has been deleted" in text
    assert "1 quote still refers to the person “王小川” as its speaker" in text
    assert url("quote_change", quote.pk) in text
    assert f"{url('quote_changelist')}?speaker__id__in={person.pk}" in text
    assert "1 mention still refers to the person “王小川” as its person" in text
    assert Person.objects.filter(pk=person.pk).exists()
    # The link lists exactly the records in the way.
    make_quote(paragraph=quote.paragraph, text=quote.paragraph.text[5:9])
    listing = editor_client.get(f"{url('quote_changelist')}?speaker__id__in={person.pk}")
    assert list(listing.context["cl"].result_list) == [quote]
    quote.refresh_from_db()
    assert quote.speaker == person


def test_bulk_deleting_a_person_who_speaks_quotes_is_refused_with_a_page_naming_them(editor_client, speaker):
    person = speaker["person"]
    free = make_person(name_zh="無關的人")

    page = bulk_delete(editor_client, "person", [person, free], confirm=False)
    response = bulk_delete(editor_client, "person", [person, free], confirm=True)

    for answer in (page, response):
        assert answer.status_code == 200
        text = answer.content.decode()
        assert "Cannot delete" in text and "Nothing has been deleted" in text
        assert "1 quote still refers to the person “王小川” as its speaker" in text
    assert Person.objects.filter(pk__in=[person.pk, free.pk]).count() == 2
    assert Quote.objects.get(pk=speaker["quote"].pk).speaker == person


def test_deleting_a_company_is_refused_while_mentions_affiliations_and_figures_name_it(
    editor_client, company
):
    page = editor_client.get(url("company_delete", company["company"].pk))
    response = editor_client.post(url("company_delete", company["company"].pk), {"post": "yes"})

    assert page.status_code == 200 and response.status_code == 200
    text = page.content.decode()
    assert "1 mention still refers to the company “百川智能” as its company" in text
    assert "1 affiliation still refers to the company “百川智能” as its company" in text
    # The figure names the company's product, which would go with the company.
    assert "1 figure still refers to the product “百川大模型” as its product" in text
    assert url("figure_change", company["figure"].pk) in text
    assert Company.objects.filter(pk=company["company"].pk).exists()
    assert Mention.objects.filter(pk=company["mention"].pk, company=company["company"]).exists()
    assert Affiliation.objects.filter(pk=company["affiliation"].pk, company=company["company"]).exists()
    assert Figure.objects.get(pk=company["figure"].pk).product == company["product"]


def test_bulk_deleting_companies_is_refused_while_records_name_them(editor_client, company):
    other = make_company()
    quote = make_quote(paragraph=company["mention"].paragraph, company=other)

    response = bulk_delete(editor_client, "company", [company["company"], other], confirm=True)

    text = response.content.decode()
    assert response.status_code == 200 and "Nothing has been deleted" in text
    assert "1 affiliation still refers to the company “百川智能” as its company" in text
    assert f"1 quote still refers to the company “{other}” as its company" in text
    assert Company.objects.filter(pk__in=[company["company"].pk, other.pk]).count() == 2
    assert Quote.objects.get(pk=quote.pk).company == other


def test_deleting_a_product_named_by_a_figure_is_refused(editor_client, company):
    response = editor_client.post(url("product_delete", company["product"].pk), {"post": "yes"})
    assert response.status_code == 200
    assert "1 figure still refers to the product “百川大模型” as its product" in response.content.decode()
    assert Figure.objects.get(pk=company["figure"].pk).product == company["product"]


def test_a_deleted_company_is_recovered_with_its_aliases_and_products(editor_client):
    company = make_company(name_zh="月之暗面", aliases=["Moonshot", "月暗"])
    product = Product.objects.create(name="Kimi", slug="kimi", company=company)
    aliases = set(company.aliases.values_list("pk", "name"))
    assert not Version.objects.get_for_object(company).exists()  # made outside the admin, like an import

    page = editor_client.get(url("company_delete", company.pk))
    listed = page.content.decode()
    assert "Moonshot</a>" in listed and "月暗</a>" in listed and "Kimi</a>" in listed
    assert "Recover deleted companies" in listed
    assert editor_client.post(url("company_delete", company.pk), {"post": "yes"}).status_code == 302
    assert (
        not Company.objects.filter(pk=company.pk).exists() and not Alias.objects.filter(name="月暗").exists()
    )

    form, response = recover(editor_client, Company, company.pk)

    assert "It comes back with published “no” and slug" in form.content.decode()
    assert response.redirect_chain == [(url("company_change", company.pk), 302)]
    recovered = Company.objects.get(pk=company.pk)
    assert set(recovered.aliases.values_list("pk", "name")) == aliases
    assert list(recovered.products.values_list("pk", "name")) == [(product.pk, "Kimi")]
    assert recovered.published is False  # a recovered entry comes back unpublished


def test_a_deleted_person_is_recovered_with_aliases_and_affiliations(editor_client):
    person = make_person(name_zh="閆俊傑", aliases=["閆總"])
    affiliation = Affiliation.objects.create(
        person=person, organisation="商湯", role="副總裁", start_year=2015
    )

    assert editor_client.post(url("person_delete", person.pk), {"post": "yes"}).status_code == 302
    assert not Affiliation.objects.filter(pk=affiliation.pk).exists()
    _, response = recover(editor_client, Person, person.pk)

    assert response.redirect_chain == [(url("person_change", person.pk), 302)]
    recovered = Person.objects.get(pk=person.pk)
    assert list(recovered.aliases.values_list("name", flat=True)) == ["閆總"]
    assert list(recovered.affiliations.values_list("pk", "organisation", "role")) == [
        (affiliation.pk, "商湯", "副總裁")
    ]


def test_bulk_deleted_people_are_recovered_one_at_a_time(editor_client):
    first, second = make_person(aliases=["甲"]), make_person(aliases=["乙"])

    response = bulk_delete(editor_client, "person", [first, second], confirm=True)

    assert response.status_code == 302
    assert not Person.objects.filter(pk__in=[first.pk, second.pk]).exists()
    recover(editor_client, Person, first.pk)
    assert list(Person.objects.values_list("pk", flat=True)) == [first.pk]
    assert list(Alias.objects.values_list("name", flat=True)) == ["甲"]


def test_seed_loaded_entries_start_with_a_version_and_a_seed_company_can_be_recovered(editor_client):
    call_command("load_seed", verbosity=0)
    for model in (Company, Person, Product, Quote, Figure, Mention, Alias, Affiliation):
        versioned = Version.objects.get_for_model(model).values_list("object_id", flat=True)
        assert set(versioned) == {str(pk) for pk in model.objects.values_list("pk", flat=True)}, model
    baidu = Company.objects.get(slug="baidu")
    version = Version.objects.get_for_object(baidu).get()
    assert version.revision.comment == "Loaded from the seed (landscape.json)"

    # Resolve what the refusal names, then delete and recover.
    products = set(baidu.products.values_list("pk", flat=True))
    aliases = set(baidu.aliases.values_list("pk", flat=True))
    Figure.objects.filter(models.Q(company=baidu) | models.Q(product__company=baidu)).delete()
    Quote.objects.filter(company=baidu).delete()
    Mention.objects.filter(company=baidu).delete()
    Affiliation.objects.filter(company=baidu).delete()
    assert editor_client.post(url("company_delete", baidu.pk), {"post": "yes"}).status_code == 302
    recover(editor_client, Company, baidu.pk)

    baidu = Company.objects.get(slug="baidu")
    assert set(baidu.products.values_list("pk", flat=True)) == products
    assert set(baidu.aliases.values_list("pk", flat=True)) == aliases


def test_every_reference_to_an_entity_refuses_its_deletion():
    """Only what belongs to a company or person goes with it; every other reference is PROTECT."""
    owned = {(Alias, "company"), (Alias, "person"), (Product, "company"), (Affiliation, "person")}
    for target in (Company, Person, Product):
        for relation in target._meta.related_objects:
            if relation.related_model._meta.app_label == "search":
                continue  # derived index rows, rebuilt from their source
            key = (relation.related_model, relation.field.name)
            expected = models.CASCADE if key in owned else models.PROTECT
            assert relation.on_delete is expected, key
