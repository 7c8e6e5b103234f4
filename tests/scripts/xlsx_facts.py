"""Facts about an XLSX workbook as openpyxl reads it, printed as one JSON object, for the
end-to-end tests (tests/tests/report_xlsx.rs) to assert on: a second, independent reader
beside calamine.

Usage: xlsx_facts.py WORKBOOK [SHEET!CELL ...]
"""

import json
import sys

import openpyxl


def cell_facts(cell):
    value = cell.value
    return {
        "value": value.date().isoformat() if cell.is_date and value is not None else value,
        "type": cell.data_type,
        "is_date": cell.is_date,
        "number_format": cell.number_format,
        "quote_prefix": bool(cell.quotePrefix),
    }


def main():
    path, probes = sys.argv[1], sys.argv[2:]
    wb = openpyxl.load_workbook(path)
    longest, formulas, unguarded = 0, 0, []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas += 1
                if isinstance(cell.value, str):
                    longest = max(longest, len(cell.value.encode("utf-16-le")) // 2)
                    # Text a spreadsheet could take for a formula must carry the quote prefix.
                    if cell.value[:1] in ("=", "+", "-", "@", "\t", "\r") and not cell.quotePrefix:
                        unguarded.append(f"{ws.title}!{cell.coordinate}")
    about = {}
    for key, value in wb["About"].iter_rows(min_row=2, max_col=2):
        if key.value is not None and key.value not in about:
            about[str(key.value)] = cell_facts(value)
    facts = {
        "openpyxl": openpyxl.__version__,
        "active": wb.active.title,
        "sheets": wb.sheetnames,
        "rows": {ws.title: ws.max_row for ws in wb.worksheets},
        "longest_text": longest,
        "formulas": formulas,
        "unguarded": unguarded,
        "about": about,
        "probes": {},
    }
    for probe in probes:
        sheet, ref = probe.split("!")
        facts["probes"][probe] = cell_facts(wb[sheet][ref])
    json.dump(facts, sys.stdout, default=str)


main()
