"""Aliases in imports: a change of the aliases column alone is a change, and the preview shows them."""

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchange.formats import CSVWithBOM
from landscape.models import Company, Person
from landscape.resources import CompanyResource, PersonResource

pytestmark = pytest.mark.usefixtures("seed")

ENTITIES = {
    "company": (Company, CompanyResource, "alibaba", "阿里"),
    "person": (Person, PersonResource, "masayoshi-son", ""),
}


def export_with_aliases(model, aliases: str) -> bytes:
    """Every entity of the model as exported, with one entity's aliases column replaced."""
    _, resource, slug, _ = ENTITIES[model]
    dataset = resource().export()
    changed = tablib.Dataset(headers=dataset.headers)
    for row in dataset.dict:
        if row["slug"] == slug:
            row["aliases"] = aliases
        changed.append([row[header] for header in dataset.headers])
    return CSVWithBOM().export_data(changed).encode("utf-8")


def preview(client, model, data):
    url = reverse(f"admin:landscape_{model}_import")
    file = SimpleUploadedFile(f"{model}.csv", data)
    return client.post(url, {"resource": "0", "format": "0", "import_file": file})


def confirm(client, model, page):
    form = page.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(f"admin:landscape_{model}_process_import"), data)


def aliases_of(model, slug) -> list[str]:
    return sorted(ENTITIES[model][0].objects.get(slug=slug).aliases.values_list("name", flat=True))


def rows_by_slug(result):
    slug_column = result.diff_headers.index("slug")
    return {row.diff[slug_column].replace("<span>", "").replace("</span>", ""): row for row in result.rows}


@pytest.mark.parametrize("model", ENTITIES)
def test_an_aliases_only_change_is_an_update_that_is_saved(admin_client, model):
    _, _, slug, current = ENTITIES[model]
    wanted = "|".join(sorted({*filter(None, current.split("|")), "新的別名"}))
    page = preview(admin_client, model, export_with_aliases(model, wanted))
    result = page.context["result"]
    rows = rows_by_slug(result)
    assert rows[slug].import_type == "update"
    assert {row.import_type for key, row in rows.items() if key != slug} == {"skip"}
    assert "新的別名" in rows[slug].diff[result.diff_headers.index("aliases")]

    assert confirm(admin_client, model, page).status_code == 302
    assert aliases_of(model, slug) == wanted.split("|")


def test_clearing_the_aliases_column_removes_them(admin_client):
    page = preview(admin_client, "company", export_with_aliases("company", ""))
    assert rows_by_slug(page.context["result"])["alibaba"].import_type == "update"
    confirm(admin_client, "company", page)
    assert aliases_of("company", "alibaba") == []


def test_the_preview_shows_each_rows_aliases(admin_client):
    page = preview(admin_client, "company", export_with_aliases("company", "阿里"))
    result = page.context["result"]
    row = rows_by_slug(result)["alibaba"]
    assert row.import_type == "skip"  # unchanged, and still shown with its aliases
    assert "阿里" in row.diff[result.diff_headers.index("aliases")]


def test_a_new_company_previews_with_its_aliases(admin_client):
    csv = (
        "slug,name_zh,name_en,layer,country,founded,website,summary,published,aliases\n"
        "stepfun,階躍星辰,StepFun,startup,CN,2023,,,0,階躍|StepFun公司\n"
    )
    page = preview(admin_client, "company", ("\ufeff" + csv).encode())
    result = page.context["result"]
    [row] = result.rows
    assert row.import_type == "new"
    cell = row.diff[result.diff_headers.index("aliases")]
    assert "StepFun公司" in cell and "階躍" in cell
    assert not Company.objects.filter(slug="stepfun").exists()
