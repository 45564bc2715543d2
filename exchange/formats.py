"""File formats for imports and exports: limits checked before parsing, errors in words, formula escaping.

Every refusal is an ImportFileError whose message tells the editor what is wrong, where, and what to do.
Rows are numbered as the import preview numbers them: row 1 is the first row under the header.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import tablib
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from import_export.formats import base_formats

# OWASP "CSV injection": a cell starting with one of these may run as a formula in a spreadsheet. A line
# feed is escaped too: XML turns an XLSX cell's leading CR into one, and its quote must still come off.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_HAN = re.compile(r"[\u4e00-\u9fff]")


class ImportFileError(Exception):
    """A file refused before or while it is read; the message is for the editor."""


def escape_formula(value):
    """Prefix a single quote to a text a spreadsheet would run as a formula (OWASP CSV injection).

    A plain number such as -3 or +5 is data to a spreadsheet and stays as it is. A text that already
    starts with a quote before a trigger or another quote gets one more, so `unescape_formula` gives back
    exactly what was exported.
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_TRIGGERS and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    if value[0] == "'" and len(value) > 1 and (value[1] in FORMULA_TRIGGERS or value[1] == "'"):
        return "'" + value
    return value


def unescape_formula(value):
    """Undo `escape_formula`: drop the single quote that protects a formula-like text."""
    protected = isinstance(value, str) and len(value) > 1 and value[0] == "'"
    if protected and (value[1] in FORMULA_TRIGGERS or value[1] == "'"):
        return value[1:]
    return value


def _escaped(dataset: tablib.Dataset) -> tablib.Dataset:
    escaped = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        escaped.append([escape_formula(cell) for cell in row])
    return escaped


def _limit(name: str) -> int:
    return getattr(settings, name)


def check_size(size: int) -> None:
    """Refuse a file larger than IMPORTS_MAX_UPLOAD_BYTES, before anything reads it."""
    limit = _limit("IMPORTS_MAX_UPLOAD_BYTES")
    if size > limit:
        raise ImportFileError(
            f"The file is {filesizeformat(size)}; an import takes files up to {filesizeformat(limit)} "
            f"and {_limit('IMPORTS_MAX_ROWS'):,} rows. Split it into smaller files and import them one "
            "after another."
        )


def _as_bytes(data, encoding: str) -> bytes:
    return data.encode(encoding) if isinstance(data, str) else bytes(data)


def _decode(data: bytes) -> str:
    """Decode UTF-8 text (with or without a byte-order mark), or say in words why it is not."""
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            "The file is an XLSX workbook (or another zip archive), not text: choose “xlsx” as the format."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            "The file is UTF-16 text. Save it again as “CSV UTF-8” (in Excel: Save As → CSV UTF-8) and "
            "upload that."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        guess = ""
        try:
            if _HAN.search(data.decode("gb18030")):
                guess = " It looks like GBK/GB18030, the encoding of Chinese Windows."
        except UnicodeDecodeError:
            pass
        raise ImportFileError(
            f"The file is not UTF-8 text: line {line} holds bytes UTF-8 cannot read (at byte "
            f"{error.start + 1:,}).{guess} Save it again as “CSV UTF-8” (in Excel: Save As → CSV UTF-8; "
            "in LibreOffice or Numbers choose the UTF-8 encoding) and upload that."
        ) from None


def _read_text(in_stream) -> str:
    """Return an upload's text once it is within the size limit, UTF-8 and not empty."""
    data = _as_bytes(in_stream, "utf-8")
    check_size(len(data))
    text = _decode(data)
    if not text.strip():
        raise ImportFileError("The file is empty.")
    return text


def _header(cells, where: str) -> list[str]:
    """Return the column names of a header row, refusing blank and repeated names."""
    names = ["" if cell is None else str(cell).strip() for cell in cells]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise ImportFileError(f"The file has no header {where}: it must name the columns, e.g. “slug”.")
    for position, name in enumerate(names, 1):
        if not name:
            raise ImportFileError(
                f"Column {position} of the header {where} has no name. Name it, or delete the column."
            )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ImportFileError(
            f"The header {where} names the column “{repeated[0]}” more than once; keep one of them."
        )
    return names


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


class _Rows:
    """Collect a file's rows into a dataset, enforcing the row limit and checking every cell."""

    def __init__(self, headers: list[str], *, unescape: bool):
        self.dataset = tablib.Dataset(headers=headers)
        self.unescape = unescape
        self.limit = _limit("IMPORTS_MAX_ROWS")

    def add(self, cells: list) -> None:
        headers = self.dataset.headers
        number = len(self.dataset) + 1
        if all(_blank(cell) for cell in cells):
            return
        if number > self.limit:
            raise ImportFileError(
                f"The file has more than {self.limit:,} rows; an import takes at most {self.limit:,}. "
                "Split it into smaller files and import them one after another."
            )
        extra = cells[len(headers) :]
        if any(not _blank(cell) for cell in extra):
            raise ImportFileError(
                f"Row {number} has {len(cells)} cells but the header names {len(headers)} columns. "
                "A text that holds a comma must be in double quotes; otherwise delete the extra cells "
                "or name their column."
            )
        cells = list(cells[: len(headers)]) + [""] * (len(headers) - len(cells))
        for column, cell in zip(headers, cells, strict=True):
            if isinstance(cell, str) and "\x00" in cell:
                raise ImportFileError(
                    f"Row {number}, column “{column}” holds a NUL character (0x00), which is not text. "
                    "Delete it; a file full of them was probably saved as UTF-16 or is not a text file."
                )
        if self.unescape:
            cells = [unescape_formula(cell) for cell in cells]
        self.dataset.append(cells)

    def finish(self) -> tablib.Dataset:
        if not len(self.dataset):
            raise ImportFileError("The file has a header but no rows to import.")
        return self.dataset


class CSVWithBOM(base_formats.CSV):
    """UTF-8 CSV starting with a byte-order mark, so spreadsheet programs read the Chinese correctly.

    Exports escape formula-like texts; imports undo that escaping and read UTF-8 with or without the
    byte-order mark.
    """

    def create_dataset(self, in_stream, **kwargs):
        text = _read_text(in_stream)
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        rows = None
        try:
            for cells in reader:
                if rows is None:
                    if all(_blank(cell) for cell in cells):
                        continue
                    rows = _Rows(_header(cells, "line"), unescape=True)
                else:
                    rows.add(cells)
        except csv.Error as error:
            raise ImportFileError(
                f"Line {reader.line_num} of the file is not valid CSV ({error}). A text that holds a "
                "comma, a double quote or a line break must be in double quotes, with its own double "
                "quotes doubled."
            ) from None
        if rows is None:
            raise ImportFileError("The file is empty.")
        return rows.finish()

    def export_data(self, dataset, **kwargs):
        return "\ufeff" + super().export_data(_escaped(dataset), **kwargs)


def open_workbook(data: bytes):
    """Open an XLSX for openpyxl; refuse a non-XLSX or one unpacking beyond IMPORTS_MAX_XLSX_EXPANDED_BYTES.

    The zip's directory is read once, by openpyxl's own reader, and checked before any XML is parsed: the
    uncompressed sizes it declares are the most Python's zipfile will ever inflate, so a "zip bomb" is
    refused here. `openpyxl.load_workbook` is this reader followed by `read()`.
    """
    from openpyxl.reader.excel import ExcelReader

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            "The file is an Excel 97–2003 (.xls) workbook or a password-protected one. Save it as an "
            "“Excel Workbook (.xlsx)” without a password, or as CSV UTF-8, and upload that."
        )
    if not data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            "The file is not an XLSX workbook. Choose the format the file is in (csv, xlsx or json), or "
            "save it from your spreadsheet program as an “Excel Workbook (.xlsx)”."
        )
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ImportFileError(
            "The workbook is damaged (its zip structure cannot be read). Open it in your spreadsheet "
            "program, save it again as .xlsx, and upload that."
        ) from None
    expanded = sum(member.file_size for member in reader.archive.infolist())
    limit = _limit("IMPORTS_MAX_XLSX_EXPANDED_BYTES")
    if expanded > limit:
        reader.archive.close()
        raise ImportFileError(
            f"The workbook unpacks to {filesizeformat(expanded)}; an import reads workbooks that unpack "
            f"to at most {filesizeformat(limit)}. Export only the rows you need, split them over several "
            "files, or save them as CSV UTF-8."
        )
    return reader


class XLSX(base_formats.XLSX):
    """XLSX whose size when unpacked is checked before openpyxl reads it; exports escape formulas."""

    def create_dataset(self, in_stream):
        data = _as_bytes(in_stream, "utf-8")
        check_size(len(data))
        reader = open_workbook(data)
        try:
            reader.read()
        except Exception:
            reader.archive.close()
            raise ImportFileError(
                "The workbook cannot be read: it is damaged or was not saved by a spreadsheet program. "
                "Open it in your spreadsheet program, save it again as .xlsx, and upload that."
            ) from None
        book = reader.wb
        try:
            sheet = book.active or book.worksheets[0]
            sheet.reset_dimensions()  # a row is as wide as its last cell, whatever the sheet claims
            rows = None
            # Empty rows and cells cost openpyxl work too; a sheet of millions of them is refused.
            budget = _limit("IMPORTS_MAX_ROWS") * 200
            for cells in sheet.iter_rows(values_only=True):
                budget -= len(cells) + 1
                if budget < 0:
                    raise ImportFileError(
                        "The workbook's first sheet holds far more cells than its rows need, counting the "
                        "empty ones (formatting that runs to the end of the sheet, say). Delete the rows "
                        "and columns after your data, or save it as CSV UTF-8, and upload that."
                    )
                if rows is None:
                    if all(_blank(cell) for cell in cells):
                        continue
                    rows = _Rows(_header(cells, "row of the first sheet"), unescape=True)
                else:
                    rows.add(list(cells))
        except ImportFileError:
            raise
        except Exception:
            raise ImportFileError(
                "The workbook's first sheet cannot be read: it is damaged. Open it in your spreadsheet "
                "program, save it again as .xlsx, and upload that."
            ) from None
        finally:
            book.close()
        if rows is None:
            raise ImportFileError("The workbook's first sheet is empty.")
        return rows.finish()

    def export_data(self, dataset, **kwargs):
        return super().export_data(_escaped(dataset), **kwargs)


class JSON(base_formats.JSON):
    """JSON as the export writes it: a list of objects, one per row, all with the same keys."""

    def create_dataset(self, in_stream, **kwargs):
        text = _read_text(in_stream)
        try:
            items = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFileError(
                f"The file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
            ) from None
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ImportFileError(
                "A JSON import is a list of objects, one per row, as the JSON export writes: "
                '[{"slug": …}, …].'
            )
        if not items:
            raise ImportFileError("The file has no rows to import.")
        headers = _header(list(items[0]), "(the keys of the first object)")
        rows = _Rows(headers, unescape=False)
        for number, item in enumerate(items, 1):
            missing = [key for key in headers if key not in item]
            unknown = [key for key in item if key not in headers]
            if missing or unknown:
                key = (missing or unknown)[0]
                has = "has no" if missing else "has the extra"
                raise ImportFileError(
                    f"Row {number} {has} key “{key}”; give every row the same keys as the first."
                )
            for key in headers:
                if isinstance(item[key], dict | list):
                    raise ImportFileError(
                        f"Row {number}, column “{key}” holds a list or an object; write it as one text "
                        "(aliases are separated by “|”)."
                    )
            rows.add([item[key] for key in headers])
        return rows.finish()
