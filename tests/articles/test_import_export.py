import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from articles.models import Annotation, Article
from articles.resources import AnnotationResource
from exchange.formats import JSON, XLSX, CSVWithBOM
from landscape.models import Affiliation, Alias, Company, Figure, Mention, Person, Product, Quote
from landscape.resources import RESOURCES

pytestmark = pytest.mark.django_db

EXCHANGED = ["company", "person", "product", "quote", "figure"]


def admin_url(model, view):
    app = "articles" if model == "annotation" else "landscape"
    return reverse(f"admin:{app}_{model}_{view}")


def csv_file(text: str, name="companies.csv"):
    return SimpleUploadedFile(name, ("\ufeff" + text).encode("utf-8"), content_type="text/csv")


COMPANIES_CSV = (
    "slug,name_zh,name_en,layer,country,founded,website,summary,published,aliases\n"
    "deepseek,深度求索,DeepSeek,startup,CN,2023,https://www.deepseek.com,幻方量化孵化。,1,深度求索公司\n"
    "stepfun,階躍星辰,StepFun,startup,CN,2023,,,0,階躍|StepFun公司\n"
)


def upload(client, model, file, fmt="0"):
    return client.post(admin_url(model, "import"), {"resource": "0", "format": fmt, "import_file": file})


def confirm(client, model, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(admin_url(model, "process_import"), data)


@pytest.mark.parametrize("model", [*EXCHANGED, "annotation"])
def test_import_and_export_pages_answer(admin_client, seed, model):
    assert admin_client.get(admin_url(model, "import")).status_code == 200
    assert admin_client.get(admin_url(model, "export")).status_code == 200
    html = admin_client.get(admin_url(model, "changelist")).content.decode()
    assert admin_url(model, "import") in html and admin_url(model, "export") in html


def test_admin_export_csv_starts_with_a_bom_and_keeps_chinese(admin_client, seed):
    page = admin_client.get(admin_url("company", "export"))
    form = page.context["form"]
    data = {"resource": "0", "format": "0"}
    data.update({name: "on" for name in form.fields if name.startswith("companyresource_")})
    response = admin_client.post(admin_url("company", "export"), data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("slug,name_zh,name_en,layer")
    assert "阿里巴巴" in text and "阿里" in text


def test_import_previews_then_saves_on_confirm(admin_client, seed):
    preview = upload(admin_client, "company", csv_file(COMPANIES_CSV))
    assert preview.status_code == 200
    assert not Company.objects.filter(slug__in=["deepseek", "stepfun"]).exists()  # a dry run
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["new", "new"]

    response = confirm(admin_client, "company", preview)
    assert response.status_code == 302
    stepfun = Company.objects.get(slug="stepfun")
    assert stepfun.name_zh == "階躍星辰" and not stepfun.published
    assert sorted(stepfun.aliases.values_list("name", flat=True)) == ["StepFun公司", "階躍"]
    assert Company.objects.get(slug="deepseek").aliases.get().name == "深度求索公司"


def test_a_file_with_one_invalid_row_changes_nothing_and_names_the_row(admin_client, seed):
    bad = COMPANIES_CSV + "broken,壞公司,,not-a-layer,CN,2020,notaurl,,1,\n"
    before = Company.objects.count()
    preview = upload(admin_client, "company", csv_file(bad))
    assert preview.status_code == 200
    result = preview.context["result"]
    assert result.has_validation_errors()
    invalid = result.invalid_rows
    assert [row.number for row in invalid] == [3]
    assert {"layer", "website"} <= set(invalid[0].field_specific_errors)
    # The editor is told what a layer may be, not only that "not-a-layer" is not one.
    assert "startup (大模型創業公司)" in " ".join(invalid[0].field_specific_errors["layer"])
    assert "confirm_form" not in preview.context or preview.context["confirm_form"] is None
    assert Company.objects.count() == before
    assert not Alias.objects.filter(name="StepFun公司").exists()


def test_an_alias_held_by_another_company_is_a_row_error(admin_client, seed):
    clash = (
        "slug,name_zh,name_en,layer,country,founded,website,summary,published,aliases\n"
        "copycat,山寨,,startup,CN,,,,0,阿里\n"
    )
    result = upload(admin_client, "company", csv_file(clash)).context["result"]
    assert result.has_validation_errors()
    assert "阿里" in " ".join(result.invalid_rows[0].field_specific_errors["aliases"])
    assert not Company.objects.filter(slug="copycat").exists()


def test_a_quote_not_in_its_paragraph_is_refused(admin_client, seed):
    quote = Quote.objects.select_related("paragraph").first()
    csv = (
        "paragraph,text,speaker,speaker_description,speaker_role,occasion,company,featured\n"
        f"{quote.paragraph.anchor},這句話不在段落裡,,某人,,,,0\n"
    )
    result = upload(admin_client, "quote", csv_file(csv, "quotes.csv")).context["result"]
    assert result.has_validation_errors()
    assert "text" in result.invalid_rows[0].field_specific_errors


def test_an_unknown_paragraph_anchor_is_an_error_of_its_row_and_column(admin_client, seed):
    csv = (
        "paragraph,label,value,unit,as_of,company,product,chart_group,chart_label\n"
        "p-nowhere,不存在的數字,1,個,,,,,\n"
    )
    result = upload(admin_client, "figure", csv_file(csv, "figures.csv")).context["result"]
    # A key column's error is the row's error in that column, listed with every other invalid row.
    assert not result.has_errors()
    [row] = result.invalid_rows
    assert row.number == 1
    assert row.field_specific_errors == {"paragraph": ["No paragraph has the anchor “p-nowhere”."]}
    assert not Figure.objects.filter(label="不存在的數字").exists()


def test_an_unknown_company_slug_is_a_row_error_that_names_it(admin_client, seed):
    csv = "slug,name,company,kind,summary\nnew-model,新模型,no-such-company,model,\n"
    result = upload(admin_client, "product", csv_file(csv, "products.csv")).context["result"]
    assert result.has_validation_errors()
    errors = result.invalid_rows[0].field_specific_errors["company"]
    assert errors == ["No company has the slug “no-such-company”."]
    assert not Product.objects.filter(slug="new-model").exists()


def test_xlsx_export_imports_back(admin_client, seed):
    xlsx = XLSX().export_data(RESOURCES["products"]().export())
    count = Product.objects.count()
    Figure.objects.update(product=None)  # a figure naming a product refuses its deletion
    Product.objects.all().delete()
    preview = upload(admin_client, "product", SimpleUploadedFile("products.xlsx", xlsx), fmt="1")
    assert not preview.context["result"].has_errors()
    assert confirm(admin_client, "product", preview).status_code == 302
    assert Product.objects.count() == count


def export_everything(fmt) -> dict[str, str]:
    exports = {name: fmt.export_data(resource().export()) for name, resource in RESOURCES.items()}
    exports["annotations"] = fmt.export_data(AnnotationResource().export())
    return exports


@pytest.mark.parametrize("fmt", [CSVWithBOM(), JSON()], ids=["csv", "json"])
def test_round_trip_into_an_empty_landscape_exports_the_same(seed, fmt):
    # Real values a spreadsheet would take for formulas, which the CSV export escapes.
    Company.objects.filter(slug="alibaba").update(name_en='=HYPERLINK("http://evil.example")', summary="+cmd")
    Person.objects.filter(pk=Person.objects.first().pk).update(bio="@SUM(1)", name_en="-Minus")
    Figure.objects.filter(pk=Figure.objects.first().pk).update(value=-3, chart_label="\t-3")
    first = export_everything(fmt)
    Quote.objects.all().delete()
    Figure.objects.all().delete()
    Product.objects.all().delete()
    Alias.objects.all().delete()
    # Mentions and affiliations name companies and people, so they refuse their deletion: go first.
    Mention.objects.all().delete()
    Affiliation.objects.all().delete()
    Company.objects.all().delete()
    Person.objects.all().delete()
    Annotation.objects.all().delete()

    resources = {**RESOURCES, "annotations": AnnotationResource}
    for name in ["companies", "people", "products", "quotes", "figures", "annotations"]:
        dataset = fmt.create_dataset(first[name].encode("utf-8"))
        result = resources[name]().import_data(dataset, raise_errors=True)
        assert not result.has_validation_errors(), name

    assert export_everything(fmt) == first


def test_contributors_cannot_import_into_the_landscape(contributor_client, seed):
    assert contributor_client.get(admin_url("company", "import")).status_code == 403
    response = upload(contributor_client, "company", csv_file(COMPANIES_CSV))
    assert response.status_code == 403
    assert not Company.objects.filter(slug="deepseek").exists()
    assert contributor_client.get(admin_url("company", "export")).status_code == 200


def test_no_import_can_publish_an_article(contributor_client, seed):
    """Articles have no import; annotation imports cannot touch an article's status."""
    with pytest.raises(NoReverseMatch):
        reverse("admin:articles_article_import")
    Article.objects.filter(pk=seed.pk).update(status="draft")
    annotation = Annotation.objects.filter(paragraph__isnull=False).first()
    row = AnnotationResource().export(queryset=Annotation.objects.filter(pk=annotation.pk))
    data = row.dict[0]
    data.update(status="published", body="改過的說明")
    dataset = tablib.Dataset(headers=[*row.headers, "publish_at"])
    dataset.append([*[data[h] for h in row.headers], "2020-01-01"])
    preview = upload(contributor_client, "annotation", csv_file(dataset.export("csv"), "annotations.csv"))
    assert preview.status_code == 200
    # A column the import does not know is refused by name, never ignored.
    assert "“publish_at”" in " ".join(preview.context["form"].errors["import_file"])
    del dataset["publish_at"]
    preview = upload(contributor_client, "annotation", csv_file(dataset.export("csv"), "annotations.csv"))
    assert preview.context["result"].has_validation_errors()  # "published" is no annotation status
    seed.refresh_from_db()
    assert seed.status == "draft" and not Article.objects.published().exists()
    annotation.refresh_from_db()
    assert annotation.body != "改過的說明"


def test_annotation_import_refuses_a_quote_that_does_not_match(admin_client, seed):
    annotation = Annotation.objects.filter(paragraph__isnull=False).first()
    dataset = AnnotationResource().export(queryset=Annotation.objects.filter(pk=annotation.pk))
    data = dataset.dict[0]
    data["exact"] = "不相干的字"
    fixed = tablib.Dataset(headers=dataset.headers)
    fixed.append([data[h] for h in dataset.headers])
    result = upload(admin_client, "annotation", csv_file(fixed.export("csv"), "a.csv")).context["result"]
    assert result.has_validation_errors()
    assert "exact" in result.invalid_rows[0].field_specific_errors
