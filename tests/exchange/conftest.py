import io
import zipfile

import pytest
import tablib

from exchange.formats import XLSX

SHEET_OPEN = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_CLOSE = b"</sheetData></worksheet>"


def workbook(sheet_xml: bytes | None = None) -> bytes:
    """An XLSX made by the export; with `sheet_xml`, its sheet replaced by that XML."""
    dataset = tablib.Dataset(headers=["slug", "name_zh"])
    dataset.append(["deepseek", "深度求索"])
    data = XLSX().export_data(dataset)
    if sheet_xml is None:
        return data
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            archive.writestr(name, sheet_xml if name == "xl/worksheets/sheet1.xml" else source.read(name))
    return out.getvalue()


@pytest.fixture(scope="session")
def xlsx_bomb(tmp_path_factory):
    """A workbook of under 1 MB whose sheet XML unpacks to 778 MiB, as in the reported outage."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    source = zipfile.ZipFile(io.BytesIO(workbook()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, source.read(name))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_OPEN)
            block = b" " * (1 << 20)
            for _ in range(778):
                sheet.write(block)
            sheet.write(SHEET_CLOSE)
    return path
