"""File formats: limits checked before parsing, errors in words, formula escaping that round-trips."""

import io
import time
from csv import reader

import openpyxl
import pytest
import tablib
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.reader.excel import ExcelReader

from exchange.formats import (
    FORMULA_TRIGGERS,
    JSON,
    XLSX,
    CSVWithBOM,
    ImportFileError,
    escape_formula,
    unescape_formula,
)
from tests.exchange.conftest import SHEET_CLOSE, SHEET_OPEN, workbook

HEADER = "slug,name_zh\n"


def refusal(fmt, data) -> str:
    with pytest.raises(ImportFileError) as error:
        fmt.create_dataset(data)
    message = str(error.value)
    assert "Error" not in message and "encountered" not in message  # words, not an exception's name
    return message


SHEET = SHEET_OPEN + b"%s" + SHEET_CLOSE
HEADER_ROW = b'<row r="1"><c r="A1" t="inlineStr"><is><t>slug</t></is></c></row>'


# --- formula escaping --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-", "@SUM(1)", "\tx", "\r=1", "\nx"],
)
def test_every_formula_lead_is_escaped_with_a_single_quote(value):
    assert escape_formula(value) == "'" + value
    assert unescape_formula(escape_formula(value)) == value


@pytest.mark.parametrize("value", ["-3", "+5", "-1.25", "2023", "-0.5e3", "深度求索", "'hello", "", None, -3])
def test_plain_numbers_and_other_values_stay_as_they_are(value):
    assert escape_formula(value) == value
    assert unescape_formula(value) == value


LEADS = st.sampled_from([*FORMULA_TRIGGERS, "'", "1", ".", "a", "深"])


@given(st.text(alphabet=LEADS, max_size=6) | st.text())
def test_escaping_round_trips_and_leaves_no_formula_lead(value):
    escaped = escape_formula(value)
    assert unescape_formula(escaped) == value
    assert not escaped or escaped[0] not in FORMULA_TRIGGERS or escaped[1:].replace(".", "").isdigit()


def test_csv_and_xlsx_exports_escape_and_their_imports_give_back_the_real_values():
    dataset = tablib.Dataset(headers=["slug", "name_zh", "summary"])
    tricky = [
        '=HYPERLINK("http://evil.example")',
        "-減號開頭的名字",
        "+86 電話",
        "@SUM(1)",
        "\t縮排",
        "\r回車",
        "'=x",
    ]
    for number, value in enumerate(tricky):
        dataset.append([f"row-{number}", value, "-3"])

    csv = CSVWithBOM().export_data(dataset)
    assert csv.startswith("\ufeff")
    rows = list(reader(io.StringIO(csv.removeprefix("\ufeff"), newline="")))[1:]
    assert [row[1] for row in rows] == ["'" + value for value in tricky]
    assert {row[2] for row in rows} == {"-3"}  # a plain number is read by a spreadsheet as that number

    xlsx = XLSX().export_data(dataset)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)

    for fmt, data in [(CSVWithBOM(), csv.encode()), (XLSX(), xlsx)]:
        back = fmt.create_dataset(data)
        # XML reads a CR in an XLSX cell as a line feed; the quote still comes off.
        expected = tricky if fmt.get_title() == "csv" else [v.replace("\r", "\n") for v in tricky]
        assert [row[1] for row in back] == expected
        assert {row[2] for row in back} == {"-3"}


# --- refusals before parsing ---------------------------------------------------------------------------


def test_a_csv_over_the_upload_limit_is_refused_before_it_is_decoded(settings):
    data = (HEADER + "x,y\n" * (settings.IMPORTS_MAX_UPLOAD_BYTES // 4 + 1)).encode()
    message = refusal(CSVWithBOM(), data).replace("\xa0", " ")
    assert "up to 5.0 MB" in message and "Split it" in message


def test_an_xlsx_bomb_is_refused_from_its_zip_directory_fast(xlsx_bomb, monkeypatch):
    monkeypatch.setattr(ExcelReader, "read", lambda *a, **k: pytest.fail("openpyxl must not parse it"))
    data = xlsx_bomb.read_bytes()
    assert len(data) < 1024 * 1024
    started = time.monotonic()
    message = refusal(XLSX(), data).replace("\xa0", " ")
    assert time.monotonic() - started < 1
    assert "unpacks to 778.0 MB" in message and "at most 50.0 MB" in message


def test_a_sheet_of_empty_cells_to_the_end_is_refused():
    rows = b"".join(b'<row r="%d"><c r="XFD%d"/></row>' % (n, n) for n in range(2, 2000))
    message = refusal(XLSX(), workbook(SHEET % (HEADER_ROW + rows)))
    assert "Delete the rows and columns after your data" in message


def test_more_rows_than_the_limit_are_refused(settings):
    settings.IMPORTS_MAX_ROWS = 3
    message = refusal(CSVWithBOM(), (HEADER + "a,1\nb,2\nc,3\nd,4\n").encode())
    assert "more than 3 rows" in message
    assert len(CSVWithBOM().create_dataset((HEADER + "a,1\nb,2\n\nc,3\n").encode())) == 3


# --- what is wrong, where, and what to do ------------------------------------------------------------


def test_a_gbk_csv_is_named_with_its_line_and_the_fix():
    message = refusal(CSVWithBOM(), (HEADER + "deepseek,深度求索\n").encode("gbk"))
    assert "not UTF-8" in message and "line 2" in message and "GBK" in message and "CSV UTF-8" in message


@pytest.mark.parametrize(
    "data, words",
    [
        ("\ufeffslug\n".encode("utf-16"), "UTF-16"),
        (workbook(), "choose “xlsx”"),
        (b"", "empty"),
        (HEADER.encode(), "no rows"),
        ((HEADER + "a,1,extra\n").encode(), "Row 1 has 3 cells but the header names 2 columns"),
        ((HEADER + 'a,"1\n').encode(), "Line 2"),
        ((HEADER + "a,b\x00c\n").encode(), "Row 1, column “name_zh” holds a NUL"),
        (b"slug,,name_zh\na,,b\n", "Column 2 of the header"),
        (b"slug,slug\na,b\n", "“slug” more than once"),
    ],
)
def test_csv_failures_say_what_is_wrong_and_where(data, words):
    assert words in refusal(CSVWithBOM(), data)


def test_short_rows_and_trailing_empty_cells_are_read():
    back = CSVWithBOM().create_dataset(b"slug,name_zh,\na\nb,c,\n")
    assert back.headers == ["slug", "name_zh"] and list(back) == [("a", ""), ("b", "c")]


@pytest.mark.parametrize(
    "data, words",
    [
        (b"slug,name_zh\n", "not an XLSX workbook"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "Excel 97"),
        (b"PK\x03\x04broken", "damaged"),
        (workbook(b"<worksheet><sheetData><row>"), "damaged"),
    ],
)
def test_xlsx_failures_say_what_is_wrong(data, words):
    assert words in refusal(XLSX(), data)


@pytest.mark.parametrize(
    "text, words",
    [
        (
            '[{"slug": "a",}]',
            "not valid JSON: Illegal trailing comma before end of object at line 1, column 14",
        ),
        ('{"slug": "a"}', "a list of objects"),
        ('[{"slug": "a"}, {"name_zh": "b"}]', "Row 2 has no key “slug”"),
        ('[{"slug": ["a"]}]', "Row 1, column “slug” holds a list"),
    ],
)
def test_json_failures_say_what_is_wrong_and_where(text, words):
    assert words in refusal(JSON(), text.encode())
