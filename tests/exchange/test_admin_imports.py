"""Every resource's import and export in the admin: limits, pending files, confirms, errors, escaping."""

import io
import re
import tempfile
import time
import uuid
from csv import reader
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import Annotation
from articles.resources import AnnotationResource
from exchange.formats import XLSX, CSVWithBOM
from exchange.models import PendingImport
from exchange.resources import ALREADY_CONFIRMED
from landscape.models import Alias, Company, Figure, Person, Product, Quote
from landscape.resources import (
    CompanyResource,
    FigureResource,
    PersonResource,
    ProductResource,
    QuoteResource,
)

pytestmark = pytest.mark.django_db

RESOURCES = {
    "company": (Company, CompanyResource),
    "person": (Person, PersonResource),
    "product": (Product, ProductResource),
    "quote": (Quote, QuoteResource),
    "figure": (Figure, FigureResource),
    "annotation": (Annotation, AnnotationResource),
}
MODELS = list(RESOURCES)
FORMATS = {"csv": "0", "xlsx": "1", "json": "2"}


@pytest.fixture(autouse=True)
def server_temp_dir(tmp_path, monkeypatch):
    """The server's temp folder, watched: nothing an import does may leave a file in it."""
    folder = tmp_path / "server-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == []


def admin_url(model, view):
    app = "articles" if model == "annotation" else "landscape"
    return reverse(f"admin:{app}_{model}_{view}")


def exported(model, fmt="csv"):
    dataset = RESOURCES[model][1]().export()
    return dataset, (CSVWithBOM() if fmt == "csv" else XLSX()).export_data(dataset)


def as_upload(data, name):
    return SimpleUploadedFile(name, data.encode("utf-8") if isinstance(data, str) else data)


def upload(client, model, data, name="file.csv", fmt="csv"):
    file = as_upload(data, name)
    return client.post(
        admin_url(model, "import"), {"resource": "0", "format": FORMATS[fmt], "import_file": file}
    )


def confirm_data(preview):
    form = preview.context["confirm_form"]
    return {name: form.initial.get(name, "") for name in form.fields}


def file_errors(response) -> str:
    return " ".join(response.context["form"].errors.get("import_file", []))


def with_cells(model, rows: dict[int, dict]):
    """The model's export with some cells changed: {row index: {column: value}}."""
    dataset, _ = exported(model)
    headers = dataset.headers
    out = type(dataset)(headers=headers)
    for index, values in rows.items():
        row = dict(zip(headers, dataset[index], strict=True))
        row.update(values)
        out.append([row[h] for h in headers])
    return CSVWithBOM().export_data(out)


def a_new_row(model):
    """One row of the model that is not in the database yet, made from an exported one."""
    dataset, _ = exported(model)
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    if model in {"company", "person", "product"}:
        row.update(slug=f"copy-{model}", aliases="")
    elif model == "quote":
        row["text"] = row["text"][:-1]
    elif model == "figure":
        row["label"] += "（副本）"
    else:
        row["uid"] = str(uuid.uuid4())
    row = {key: value for key, value in row.items() if key in dataset.headers}
    one = type(dataset)(headers=dataset.headers)
    one.append([row[h] for h in dataset.headers])
    return CSVWithBOM().export_data(one)


# --- limits ------------------------------------------------------------------------------------------


def test_a_34_mb_csv_is_refused_quickly_on_the_form_and_writes_nothing(admin_client, monkeypatch):
    # Refused from its declared size: the upload is never read into memory.
    monkeypatch.setattr(TemporaryUploadedFile, "chunks", lambda *a, **k: pytest.fail("the upload was read"))
    big = "slug,name_zh,layer\n" + "".join(f"big-{n},大公司{n},startup\n" for n in range(1_000_000))
    assert len(big.encode()) > 34_000_000
    before = Company.objects.count()
    started = time.monotonic()
    response = upload(admin_client, "company", big, "big.csv")
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    message = file_errors(response).replace("\xa0", " ")
    assert re.match(r"The file is 3\d\.\d MB; an import takes files up to 5.0 MB", message)
    assert "Split it" in message
    assert "result" not in response.context
    assert Company.objects.count() == before
    assert not PendingImport.objects.exists()


@pytest.mark.parametrize("model", MODELS)
def test_a_file_just_over_the_limit_is_refused_for_every_resource(seed, admin_client, settings, model):
    _, data = exported(model)
    settings.IMPORTS_MAX_UPLOAD_BYTES = len(data.encode()) - 1
    response = upload(admin_client, model, data)
    assert "an import takes files up to" in file_errors(response)
    assert not PendingImport.objects.exists()


@pytest.mark.parametrize("model", MODELS)
def test_an_xlsx_bomb_is_refused_quickly_for_every_resource(admin_client, xlsx_bomb, model):
    count = RESOURCES[model][0].objects.count()
    started = time.monotonic()
    response = upload(admin_client, model, xlsx_bomb.read_bytes(), "bomb.xlsx", fmt="xlsx")
    assert time.monotonic() - started < 3
    assert "unpacks to 778.0" in file_errors(response)
    assert RESOURCES[model][0].objects.count() == count
    assert not PendingImport.objects.exists()


def test_the_import_form_states_the_limits(admin_client):
    html = admin_client.get(admin_url("company", "import")).content.decode().replace("\xa0", " ")
    assert "up to 5.0 MB and 1,000 rows" in html and "unpack to at most 50.0 MB" in html


# --- the pending file: kept where every process reads it, once ----------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_a_repeated_confirm_says_so_and_imports_nothing_twice(seed, admin_client, model, server_temp_dir):
    objects = RESOURCES[model][0].objects
    before = objects.count()
    preview = upload(admin_client, model, a_new_row(model))
    assert [row.import_type for row in preview.context["result"].rows] == ["new"]
    assert PendingImport.objects.count() == 1
    assert list(server_temp_dir.iterdir()) == []  # nothing on this process's disk for the confirm to need
    data = confirm_data(preview)

    first = admin_client.post(admin_url(model, "process_import"), data)
    assert first.status_code == 302
    assert objects.count() == before + 1
    assert not PendingImport.objects.exists()

    second = admin_client.post(admin_url(model, "process_import"), data, follow=True)
    assert second.status_code == 200
    assert ALREADY_CONFIRMED in [str(message) for message in get_messages(second.wsgi_request)]
    assert objects.count() == before + 1


@pytest.mark.parametrize("model", MODELS)
def test_a_refused_or_invalid_upload_keeps_no_file(seed, admin_client, model):
    upload(admin_client, model, "\ufeffnot,the,columns\n1,2,3\n")
    upload(admin_client, model, with_cells(model, {0: {RESOURCES[model][1]._meta.import_id_fields[0]: ""}}))
    upload(admin_client, model, b"\xff\xfe\x00garbage")
    assert not PendingImport.objects.exists()


def test_a_confirm_of_another_models_pending_file_imports_nothing(seed, admin_client):
    preview = upload(admin_client, "company", a_new_row("company"))
    response = admin_client.post(admin_url("person", "process_import"), confirm_data(preview), follow=True)
    assert ALREADY_CONFIRMED in [str(message) for message in get_messages(response.wsgi_request)]
    assert not Company.objects.filter(slug="copy-company").exists()
    assert PendingImport.objects.count() == 1  # still the company list's to confirm


def test_abandoned_previews_are_purged_by_the_next_import_and_the_command(seed, admin_client, settings):
    upload(admin_client, "company", a_new_row("company"))
    upload(admin_client, "person", a_new_row("person"))
    assert PendingImport.objects.count() == 2
    old = timezone.now() - timedelta(seconds=settings.IMPORTS_PENDING_MAX_AGE + 1)
    PendingImport.objects.filter(model="landscape.Company").update(created_at=old)
    admin_client.get(admin_url("product", "import"))
    assert list(PendingImport.objects.values_list("model", flat=True)) == ["landscape.Person"]

    out = io.StringIO()
    call_command("purge_pending_imports", "--older-than", "0", stdout=out)
    assert "1 pending import(s)" in out.getvalue()
    assert not PendingImport.objects.exists()


def test_a_confirm_whose_rows_became_invalid_imports_nothing_and_shows_why(seed, admin_client):
    csv = a_new_row("company").rstrip("\r\n") + "新別名\r\n"  # the aliases column is last
    preview = upload(admin_client, "company", csv)
    assert not preview.context["result"].has_validation_errors()
    Alias.objects.create(name="新別名", company=Company.objects.get(slug="alibaba"))

    response = admin_client.post(admin_url("company", "process_import"), confirm_data(preview))
    assert response.status_code == 200
    assert "Nothing was imported" in response.content.decode()
    assert "already names" in response.content.decode()
    assert not Company.objects.filter(slug="copy-company").exists()
    assert not PendingImport.objects.exists()


# --- every failure in words, with its row and column, all rows at once ------------------------------

BAD_CELLS = {
    "company": ({"founded": "abc"}, {"founded": "12.5"}, "is not a whole number: write digits only"),
    "person": ({"published": "yes"}, {"published": "maybe"}, "is not a yes/no value: write 1 for yes or 0"),
    "product": ({"company": "nobody"}, {"kind": "robot"}, "No company has the slug “nobody”"),
    "quote": ({"featured": "sure"}, {"paragraph": "p-nowhere"}, "is not a yes/no value"),
    "figure": ({"value": "1,2"}, {"as_of": "2023/13/40"}, "is not a number: write digits with a point"),
    "annotation": ({"start": "x"}, {"orphaned": "no"}, "is not a whole number"),
}


@pytest.mark.parametrize("model", MODELS)
def test_every_invalid_row_is_listed_with_its_column_and_what_to_do(seed, admin_client, model):
    first, second, words = BAD_CELLS[model]
    preview = upload(admin_client, model, with_cells(model, {0: first, 1: second}))
    result = preview.context["result"]
    assert not result.has_errors()
    invalid = {row.number: row.field_specific_errors for row in result.invalid_rows}
    assert set(invalid) == {1, 2}
    assert set(first) <= set(invalid[1]) and set(second) <= set(invalid[2])
    assert words in " ".join(invalid[1][next(iter(first))])
    html = preview.content.decode()
    assert "Nothing has been imported" in html and words.split("“")[0] in html
    for technical in ["ConversionSyntax", "InvalidOperation", "encountered", "Traceback"]:
        assert technical not in html
    assert "confirm_form" not in preview.context
    assert not PendingImport.objects.exists()


def test_a_non_numeric_founded_no_longer_hides_the_other_rows(seed, admin_client):
    csv = with_cells("company", {0: {"founded": "二〇二三"}, 1: {"layer": "nope"}, 2: {"founded": "1800.5"}})
    result = upload(admin_client, "company", csv).context["result"]
    assert [row.number for row in result.invalid_rows] == [1, 2, 3]
    assert result.invalid_rows[0].field_specific_errors["founded"] == [
        "“二〇二三” is not a whole number: write digits only, e.g. 2023."
    ]
    assert "Use one of: research" in result.invalid_rows[1].field_specific_errors["layer"][0]


def test_an_encoding_failure_says_which_line_and_how_to_save_the_file(admin_client):
    csv = "slug,name_zh,layer\ndeepseek,深度求索,startup\n".encode("gbk")
    response = upload(admin_client, "company", csv)
    message = file_errors(response)
    assert "not UTF-8 text: line 2" in message and "CSV UTF-8" in message
    assert "UnicodeDecodeError" not in response.content.decode()


def test_a_workbook_uploaded_as_csv_is_told_to_choose_xlsx(seed, admin_client):
    _, xlsx = exported("product", "xlsx")
    assert "choose “xlsx” as the format" in file_errors(upload(admin_client, "product", xlsx, "p.xlsx"))


@pytest.mark.parametrize(
    "header, words",
    [
        ("slug,nmae_zh,layer", "does not know: “nmae_zh”. Rename or delete them"),
        ("name_zh,layer", "has no “slug” column, which says which company each row is"),
    ],
)
def test_a_misnamed_or_missing_column_is_refused_by_name(admin_client, header, words):
    response = upload(admin_client, "company", f"{header}\n" + ",".join("x" * header.count(",")) + ",x\n")
    assert words in file_errors(response)


# --- formula escaping, round trip through the admin ---------------------------------------------------

TRICKY = {
    "company": {"name_en": '=HYPERLINK("http://evil.example","點我")', "summary": "+cmd|' /C calc'!A0"},
    "person": {"bio": "@SUM(1)", "name_en": "-Minus Person"},
    "product": {"summary": "\t=1+1", "name": "+Plus"},
    "quote": {"occasion": "=1+1", "speaker_role": "-"},
    "figure": {"chart_label": "@label", "unit": "\r+", "value": Decimal("-3")},
    "annotation": {"body": "=cmd|' /C calc'!A0"},
}


def admin_export(client, model, fmt):
    page = client.get(admin_url(model, "export"))
    data = {"resource": "0", "format": FORMATS[fmt]}
    data.update({name: "on" for name in page.context["form"].fields if "resource_" in name})
    response = client.post(admin_url(model, "export"), data)
    assert response.status_code == 200
    return response.content


def cells(content, fmt) -> list[str]:
    if fmt == "csv":
        return [cell for row in reader(io.StringIO(content.decode("utf-8-sig"), newline="")) for cell in row]
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    return [cell.value for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("model", MODELS)
def test_exports_escape_formulas_and_importing_gives_back_the_real_values(seed, admin_client, model, fmt):
    objects = RESOURCES[model][0].objects
    target = objects.order_by("pk").first()
    objects.filter(pk=target.pk).update(**TRICKY[model])
    content = admin_export(admin_client, model, fmt)

    exported_cells = cells(content, fmt)
    for value in TRICKY[model].values():
        if isinstance(value, str):
            assert "'" + value.replace("\r", "\n" if fmt == "xlsx" else "\r") in exported_cells
            assert value not in exported_cells
    assert all(not str(cell).startswith(("=", "+", "@", "\t", "\r")) for cell in exported_cells if cell)

    objects.filter(pk=target.pk).update(**{field: "0" for field in TRICKY[model]})
    preview = upload(admin_client, model, content, f"export.{fmt}", fmt=fmt)
    assert not preview.context["result"].has_validation_errors(), preview.context["result"].invalid_rows
    assert admin_client.post(admin_url(model, "process_import"), confirm_data(preview)).status_code == 302

    target.refresh_from_db()
    for field, value in TRICKY[model].items():
        expected = value.replace("\r", "\n") if fmt == "xlsx" and isinstance(value, str) else value
        assert getattr(target, field) == expected, field
