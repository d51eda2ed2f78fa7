"""CSV downloads are safe against spreadsheet formula injection."""

import csv
import io

import pytest

from allocations.dashboards.csv_export import safe_cell


@pytest.mark.parametrize("value", ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tTAB", "\rCR"])
def test_formula_starts_are_quoted(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Aurora AI", "1000", "", None, "a=b", "12.5"])
def test_ordinary_cells_are_unchanged(value):
    assert safe_cell(value) == ("" if value is None else value)


def test_dashboard_and_register_csv_escape_user_text(carol_client, seeded):
    call = seeded["call"]
    call.title = '=HYPERLINK("http://evil.example","x")'
    call.save(update_fields=["title"])
    org = seeded["grants"][1].application.organisation
    org.legal_name = "@SUM(1+1)"
    org.save(update_fields=["legal_name"])
    export = carol_client.get("/staff/dashboards/funnel/?export=funnel")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert any(r[0] == "'" + call.title for r in rows)
    register = b"".join(carol_client.get("/awards/?format=csv").streaming_content).decode()
    orgs = [r["organisation"] for r in csv.DictReader(io.StringIO(register))]
    assert "'@SUM(1+1)" in orgs and "@SUM(1+1)" not in orgs
