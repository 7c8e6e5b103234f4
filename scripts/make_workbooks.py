#!/usr/bin/env python3
"""Writes the committed workbooks of the examples and the bad-input corpus.

The workbooks are small .xlsx files built from their XML parts with the standard library
only (no spreadsheet package needed), so that they can be regenerated and reviewed:

    python3 scripts/make_workbooks.py

writes examples/cmdb/registers.xlsx and the workbooks of tests/bad-inputs/cases/workbook-*.
Cells are typed as a spreadsheet types them: text, numbers, booleans and dates (a date is a
serial number with a date format, as Excel stores it).
"""

import datetime
import os
import struct
import zipfile
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPOCH = datetime.date(1899, 12, 30)


def column_name(index):
    """0 -> A, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(ord("A") + rem) + name
    return name


def cell_xml(ref, value):
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c r="{ref}" s="1"><v>{(value - EPOCH).days}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(str(value))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def sheet_xml(rows):
    out = []
    for r, row in enumerate(rows):
        cells = "".join(cell_xml(f"{column_name(c)}{r + 1}", v) for c, v in enumerate(row))
        out.append(f'<row r="{r + 1}">{cells}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData>{"".join(out)}</sheetData></worksheet>'
    )


def write_xlsx(path, sheets):
    """sheets: list of (name, rows); rows: lists of cell values."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(len(sheets))
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>"
    )
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{pkg}">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    sheet_entries = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
        for i, (name, _) in enumerate(sheets)
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{main}" '
        f'xmlns:r="{rel}"><sheets>{sheet_entries}</sheets></workbook>'
    )
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{pkg}">'
        + "".join(
            f'<Relationship Id="rId{i + 1}" Type="{rel}/worksheet" '
            f'Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(sheets))
        )
        + f'<Relationship Id="rId{len(sheets) + 1}" Type="{rel}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    # Style 1 is the built-in date format 14 (m/d/yyyy), which makes a serial a date cell.
    styles = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{main}">'
        '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
        "</styleSheet>"
    )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fixed = (2026, 1, 1, 0, 0, 0)  # fixed timestamps: the same bytes on every run
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", root_rels),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbook_rels),
            ("xl/styles.xml", styles),
        ] + [(f"xl/worksheets/sheet{i + 1}.xml", sheet_xml(rows)) for i, (_, rows) in enumerate(sheets)]:
            z.writestr(zipfile.ZipInfo(name, fixed), data, zipfile.ZIP_DEFLATED)


def declare_huge(path, member_suffix, size=0xFFFF0000):
    """Rewrites the uncompressed size the central directory declares for one member: a zip
    bomb's signature (gigabytes from a few bytes) without committing the bomb."""
    data = bytearray(open(path, "rb").read())
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        name_len, = struct.unpack_from("<H", data, pos + 28)
        name = bytes(data[pos + 46 : pos + 46 + name_len]).decode()
        if name.endswith(member_suffix):
            struct.pack_into("<I", data, pos + 24, size)
        pos += 4
    open(path, "wb").write(bytes(data))


SOA = [
    ["Control", "Applicable", "Justification", "Status", "Evidence"],
    ["A.5.1", True, "Information security policy approved by the board.", "implemented", "POL-ISP-001"],
    ["A.5.15", True, "Access to systems follows the access control policy.", "implemented", "POL-AC-003"],
    ["A.5.23", True, "Cloud services are selected and monitored.", "partial", "PRC-CLOUD-01"],
    ["A.8.5", True, "MFA for all administrative access.", "planned", ""],
    ["A.8.24", True, "Customer data is encrypted at rest and in transit.", "implemented", '["KMS export", "TLS scan"]'],
    ["A.7.4", False, "No premises of our own: offices are serviced.", "not_implemented", ""],
]

RISKS = [
    ["Risk ID", "Title", "Assets", "Owner", "Likelihood", "Impact", "Treatment", "Accepted by", "Accepted on", "Assessed on"],
    ["R-01", "Customer data leak", "CMDB-0001;CMDB-0002", "CTO", 3, 5, "treat", "", "", datetime.date(2026, 3, 10)],
    ["R-02", "Stolen laptop", "DEV-0001", "Head of IT", 2, 3, "tolerate", "CEO", datetime.date(2026, 3, 10), datetime.date(2026, 3, 10)],
    ["R-03", "Switch failure", "DEV-0002", "Head of IT", 2, 2, "tolerate", "CEO", datetime.date(2026, 4, 1), datetime.date(2026, 4, 1)],
]


def main():
    write_xlsx(
        os.path.join(ROOT, "examples/cmdb/registers.xlsx"),
        [("SoA", SOA), ("Risk register", RISKS)],
    )
    cases = os.path.join(ROOT, "tests/bad-inputs/cases")
    # A bad value in C5 of the SoA sheet.
    base_soa = [
        ["control", "applicable", "status"],
        ["A.5.1", "yes", "implemented"],
        ["A.5.15", "yes", "implemented"],
        ["A.8.5", "yes", "planned"],
        ["A.8.24", "yes", "sort of"],
    ]
    write_xlsx(os.path.join(cases, "workbook-bad-cell/registers.xlsx"), [("SoA", base_soa)])
    write_xlsx(os.path.join(cases, "workbook-wrong-sheet/registers.xlsx"), [("SoA", base_soa[:4]), ("Risks", [["id"]])])
    bomb = os.path.join(cases, "workbook-zip-bomb/registers.xlsx")
    write_xlsx(bomb, [("SoA", base_soa[:4])])
    declare_huge(bomb, "sheet1.xml")


if __name__ == "__main__":
    main()
