"""Exports of the target 4 report (Excel, CSV) and of the cases behind each figure, built
from a small province moved through the workflow by the officers' API; large lists go
through an ExportJob and a real RQ worker."""
from __future__ import annotations

import csv
import io
import re
import stat
from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from openpyxl import load_workbook

from petitions.extensions import db
from petitions.models import Agency, ExportJob
from petitions.services import crypto, exports
from petitions.services.sealed import MAGIC
from petitions.services.reports import FIGURES, Scope, agency_tree, cases_for, target4, target4_by_agency

from .conftest import PASSWORD, valid_letter
from .test_browser import page, server  # noqa: F401 - fixtures
from .test_officer_api import event, token_for

TODAY = date(2026, 10, 20)
Q3 = Scope(start=date(2026, 6, 15), end=date(2026, 9, 14), today=TODAY)  # Quarter III 2026 (TT 01/2024)
Q3_ARGS = "period=q3&year=2026"
PERSONAL = ("Nguyễn Văn An", "040123456789", "0912345678", "an@example.org", "Số 1 đường Lê Lợi", "Đơn thử nghiệm",
            "Cán bộ địa chính", "Quyết định số 12")


def _file(client, app, commune: str, kind: str, day: str) -> str:
    app.config["TODAY"] = date.fromisoformat(day)
    r = client.post("/api/v1/cases", json=valid_letter(kind, commune))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["tracking_code"]


def build_province(client, app, agencies, make_officer) -> dict:
    """Two communes' People's Committees with known cases around Quarter III 2026
    (15/06 - 14/09/2026), moved through the workflow as officers do."""
    make_officer("chutich.a", ["head"], agencies["agency_a"])
    make_officer("thuly.a", ["handler"], agencies["agency_a"])
    make_officer("chutich.b", ["head"], agencies["agency_b"])
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    make_officer("thanhtra2", ["inspector"], "TTR-TINH")
    make_officer("quantri", ["admin"], "UBND-TINH")
    a, b = agencies["commune_a"], agencies["commune_b"]
    codes = {
        "carried_over_withdrawn": _file(client, app, a, "complaint", "2026-05-04"),
        "carried_over_late": _file(client, app, a, "complaint", "2026-06-01"),
        "on_time": _file(client, app, a, "complaint", "2026-07-01"),
        "handled_late": _file(client, app, a, "complaint", "2026-07-01"),
        "denunciation_b": _file(client, app, b, "denunciation", "2026-07-01"),
        "unhandled": _file(client, app, a, "denunciation", "2026-08-03"),
        "not_yet_due": _file(client, app, a, "complaint", "2026-09-10"),
        "next_period": _file(client, app, a, "complaint", "2026-09-20"),
    }
    app.config["TODAY"] = TODAY
    head_a, head_b = token_for(app, "chutich.a"), token_for(app, "chutich.b")
    c = codes["carried_over_withdrawn"]
    event(client, head_a, c, "accept", "2026-05-06")
    event(client, head_a, c, "start_verification", "2026-05-07")
    event(client, head_a, c, "withdraw", "2026-07-09", withdrawn_on="2026-07-08")
    event(client, head_a, c, "terminate", "2026-07-10", reason="withdrawn")
    c = codes["carried_over_late"]
    event(client, head_a, c, "accept", "2026-06-03")
    event(client, head_a, c, "start_verification", "2026-06-04")
    event(client, head_a, c, "decide", "2026-07-25", outcome="annul", decision_no="5/QĐ-UBND")
    c = codes["on_time"]
    event(client, head_a, c, "accept", "2026-07-03")
    event(client, head_a, c, "start_verification", "2026-07-06")
    event(client, head_a, c, "decide", "2026-07-20", outcome="uphold", decision_no="7/QĐ-UBND")
    event(client, head_a, codes["handled_late"], "accept", "2026-07-30")
    c = codes["denunciation_b"]
    event(client, head_b, c, "accept", "2026-07-02")
    event(client, head_b, c, "start_verification", "2026-07-03")
    event(client, head_b, c, "conclude", "2026-07-25", outcome="partly_correct", decision_no="KL 3")
    return codes


@pytest.fixture
def province(client, app, agencies, make_officer):
    return build_province(client, app, agencies, make_officer)


def agency_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Agency.id).where(Agency.code == code))


def expected(report, column):
    v = exports.value(report, column)  # a rate reads a setting: call it in an app context
    return "–" if v is None else v


def cells(report) -> list:
    """The row of a report as the workbook writes it: every figure and rate, in order."""
    return [expected(report, c) for c in exports.COLUMNS]


def numbered_row(ws, nth: int) -> int:
    """The data row of the nth table: the row under the one numbering the columns (1), (2) ..."""
    rows = [cell.row for cell in ws["A"] if cell.value == "(1)"]
    return rows[nth] + 1


def test_report_workbook_holds_the_target4_figures(client, app, agencies, province):
    client.login("thanhtra")
    r = client.get(f"/exports/report.xlsx?{Q3_ARGS}")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data))
    summary, by_agency, method = wb.worksheets
    with app.app_context():
        total = target4(Q3)
        want_total = cells(total)
        want_agency = {aid: cells(report) for aid, report in target4_by_agency(Q3).items()}
        codes = dict(db.session.execute(db.select(Agency.code, Agency.id)).all())
        zeros = cells(exports.Report(Q3, {f: 0 for f in FIGURES}))
    # the known province: 5 letters in Q3 (one handled late, one overdue, one not yet due),
    # 5 cases to resolve (2 carried over), 3 resolved (1 late), 1 terminated, 1 open and overdue
    assert [total[f] for f in ("letters_received", "letters_on_time", "letters_late", "letters_open_overdue",
                               "letters_open")] == [5, 2, 1, 1, 1]
    assert [total[f] for f in ("cases_total", "cases_carried_over", "cases_new", "cases_resolved",
                               "cases_resolved_on_time", "cases_resolved_late", "cases_withdrawn", "cases_open",
                               "cases_open_overdue")] == [5, 2, 3, 3, 2, 1, 1, 1, 1]
    assert (total["verdict_correct"], total["verdict_partly_correct"], total["verdict_wrong"]) == (1, 1, 1)

    # sheet 1: the title block and the two tables of TT 01/2024
    text = "\n".join(str(c.value) for row in summary.iter_rows() for c in row if c.value is not None)
    with app.test_request_context(), force_locale("vi"):  # the workbook is in Vietnamese, whoever asks
        title = gettext("REPORT ON THE HANDLING OF LETTERS AND THE RESOLUTION OF COMPLAINTS AND DENUNCIATIONS "
                        "(Target 4)")
        handled = dict(exports.LETTER_GROUPS)  # group title -> its columns
        group = next(str(t) for t, cols in exports.LETTER_GROUPS if cols == ("letters_on_time", "letters_late"))
        sub = str(exports.SUB_LABELS["letters_on_time"])
    assert handled and title in text and "15/06/2026" in text and "14/09/2026" in text
    on_time_col = exports.LETTER_COLUMNS.index("letters_on_time") + 1
    data = numbered_row(summary, 0)
    assert (summary.cell(data - 3, on_time_col).value, summary.cell(data - 2, on_time_col).value) == (group, sub)
    letters, cases = numbered_row(summary, 0), numbered_row(summary, 1)
    n = len(exports.LETTER_COLUMNS)
    assert [summary.cell(letters, i + 1).value for i in range(n)] == want_total[:n]
    assert [summary.cell(cases, i + 1).value for i in range(len(exports.CASE_COLUMNS))] == want_total[n:]
    rate = summary.cell(letters, exports.LETTER_COLUMNS.index("on_time_rate") + 1)
    assert rate.value == pytest.approx(2 / 4) and rate.number_format == "0.0%"
    assert summary.cell(letters - 2, on_time_col).font.bold  # the headings
    assert summary.column_dimensions["A"].width >= 12

    # sheet 2: one row per agency of the province, the same columns, and the total
    rows = {}
    for row in by_agency.iter_rows(min_row=5, values_only=True):
        if row[1] in codes:
            rows[row[1]] = row[3:]
    assert set(rows) == set(codes)
    for code, values in rows.items():
        assert list(values) == want_agency.get(codes[code], zeros), code
    assert list(rows)[0] == "UBND-TINH"  # the province's People's Committee first, then the others
    last = by_agency.max_row
    assert [by_agency.cell(last, 4 + i).value for i in range(len(exports.COLUMNS))] == want_total
    received = exports.COLUMNS.index("letters_received")
    assert rows[agencies["agency_a"]][received] == 4 and rows[agencies["agency_b"]][received] == 1
    assert method.max_row >= len(exports.METHOD)

    everything = "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    assert not [p for p in PERSONAL if p in everything]


def test_report_csv_matches_the_workbook_figures(client, app, agencies, province):
    client.login("thanhtra")
    r = client.get(f"/exports/report.csv?{Q3_ARGS}&agency={agencies['agency_a']}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    header, total_row, *agency_rows = rows
    assert len(header) == 2 + len(exports.COLUMNS)
    a = agency_id(app, agencies["agency_a"])
    with app.app_context():
        total = target4(Scope(Q3.start, Q3.end, TODAY, agency_tree(a)))
        want = ["" if v == "–" else str(round(v, 4) if c in exports.RATES else v)
                for c, v in zip(exports.COLUMNS, cells(total))]
    assert total_row[2:] == want
    assert [row[0] for row in agency_rows] == [agencies["agency_a"]]
    assert agency_rows[0][2:] == total_row[2:]
    assert not [p for p in PERSONAL if p in r.get_data(as_text=True)]


def test_head_exports_own_agency_only(client, app, agencies, province):
    client.login("chutich.a")
    r = client.get(f"/exports/report.xlsx?{Q3_ARGS}")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    with app.app_context():
        total = target4(Scope(Q3.start, Q3.end, TODAY, agency_tree(agency_id(app, agencies["agency_a"]))))
    row = numbered_row(wb.worksheets[0], 0)
    column = exports.LETTER_COLUMNS.index("letters_received") + 1
    assert wb.worksheets[0].cell(row, column).value == total["letters_received"] == 4
    assert client.get(f"/exports/report.xlsx?{Q3_ARGS}&agency={agencies['agency_b']}").status_code == 403
    assert client.get(f"/exports/report.csv?{Q3_ARGS}&agency=UBND-TINH").status_code == 403
    client.post("/auth/logout", data={"csrf_token": client.csrf("/exports/")})
    client.login("thuly.a")  # a handler exports nothing
    assert client.get(f"/exports/report.xlsx?{Q3_ARGS}").status_code == 403
    assert client.get("/exports/").status_code == 403


def test_bad_parameters_are_refused(client, province):
    client.login("thanhtra")
    for args in ("period=q5", "year=1999", "from=2026-13-01&to=2026-12-01", "from=2026-09-01",
                 "from=2026-09-01&to=2026-08-01", "agency=NOPE", "kinds=lawsuit", "commune=000"):
        r = client.get(f"/exports/report.xlsx?{args}")
        assert r.status_code == 422, args
    assert client.get(f"/exports/cases.csv?{Q3_ARGS}&figure=everything").status_code == 422


def test_index_shows_each_figure_with_its_list(client, app, agencies, province):
    client.login("thanhtra")
    html = client.get(f"/exports/?{Q3_ARGS}").get_data(as_text=True)
    assert "/exports/report.xlsx?period=q3&amp;year=2026" in html
    assert "/exports/cases.csv?figure=letters_open_overdue&amp;period=q3&amp;year=2026" in html
    assert not [p for p in PERSONAL if p in html]


def test_small_case_list_downloads_at_once(client, app, agencies, province):
    client.login("thanhtra")
    r = client.get(f"/exports/cases.csv?figure=letters_received&{Q3_ARGS}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.get_data(as_text=True)
    header, *rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    with app.app_context():
        want = [c.tracking_code for c in db.session.scalars(cases_for("letters_received", Q3))]
    assert [re.sub(r"\W", "", row[0]) for row in rows] == want and len(want) == 5
    assert rows[0][2] == "01/07/2026"
    assert not [p for p in PERSONAL if p in text]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ExportJob)) == 0

    r = client.get(f"/exports/cases.xlsx?figure=cases_open_overdue&{Q3_ARGS}")
    ws = load_workbook(io.BytesIO(r.data)).active
    assert re.sub(r"\W", "", ws.cell(3, 1).value) == province["handled_late"] and ws.max_row == 3
    # due 30 days after 30/07: Sat 29/08, moved past the weekend and National Day (1-2/09)
    assert ws.cell(3, 10).value.date() == date(2026, 9, 3)


def test_large_list_is_built_by_the_worker_and_only_its_owner_downloads_it(client, app, agencies, province,
                                                                           run_worker, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_SYNC_ROWS", 3)
    client.login("thanhtra")
    url = f"/exports/cases.xlsx?figure=letters_received&{Q3_ARGS}"
    confirm = client.get(url)  # a link never starts a job: the page asks to confirm
    assert confirm.status_code == 200 and b'method="post"' in confirm.data
    r = client.submit(url, {})
    assert r.status_code == 302
    job_url = r.headers["Location"]
    export_id = int(job_url.rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        job = db.session.get(ExportJob, export_id)
        assert (job.status, job.progress, job.kind) == ("queued", 0, "cases_xlsx")
    waiting = client.get(job_url)
    assert waiting.status_code == 200 and waiting.headers["Refresh"] == "2"
    assert b'http-equiv="refresh"' in waiting.data and b"<progress" in waiting.data

    run_worker()
    with app.app_context():
        job = db.session.get(ExportJob, export_id)
        assert (job.status, job.progress, job.rows) == ("done", 100, 5), job.error
        stored = Path(app.config["UPLOAD_FOLDER"]) / "exports" / job.stored_name
        assert stored.is_file() and "letters_received" not in job.stored_name
        # sealed at rest with the identity keys, 0600 (issue 14): not the workbook's zip
        raw = stored.read_bytes()
        assert raw.startswith(MAGIC) and b"PK\x03\x04" not in raw and stat.S_IMODE(stored.stat().st_mode) == 0o600
    ready = client.get(job_url)
    assert "Refresh" not in ready.headers and f"/exports/{export_id}/download".encode() in ready.data
    download = client.get(f"/exports/{export_id}/download")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(download.data)).active
    assert ws.max_row == 2 + 5
    assert not [p for p in PERSONAL if p in "".join(str(c.value) for row in ws.iter_rows() for c in row)]

    other = type(client)(app)
    other.login("thanhtra2")
    assert other.get(job_url).status_code == 403
    assert other.get(f"/exports/{export_id}/download").status_code == 403
    admin = type(client)(app)
    admin.login("quantri")
    assert admin.get(f"/exports/{export_id}/download").status_code == 200
    assert client.get("/exports/999999").status_code == 404


def test_the_worker_claims_an_export_once(client, app, agencies, province, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_SYNC_ROWS", 0)
    client.login("thanhtra")
    r = client.submit(f"/exports/cases.csv?figure=cases_total&{Q3_ARGS}", {})
    export_id = int(r.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert exports.build_export(export_id) == "done"
        assert exports.build_export(export_id) == "skipped"
        job = db.session.get(ExportJob, export_id)
        text = exports.read_export(job).decode("utf-8-sig")
        stored = exports.export_path(job)
    assert len(text.strip().splitlines()) == 1 + 5
    raw = stored.read_bytes()
    assert raw.startswith(MAGIC) and stat.S_IMODE(stored.stat().st_mode) == 0o600
    first_code = text.splitlines()[1].split(",")[0]
    assert first_code and first_code.encode() not in raw and text.splitlines()[0].encode() not in raw
    download = client.get(f"/exports/{export_id}/download")
    assert download.status_code == 200 and download.data.decode("utf-8-sig") == text


def test_an_export_stored_before_sealing_is_sealed_by_the_cli_and_rotates(client, app, agencies, province,
                                                                           monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_SYNC_ROWS", 0)
    client.login("thanhtra")
    r = client.submit(f"/exports/cases.csv?figure=cases_total&{Q3_ARGS}", {})
    export_id = int(r.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert exports.build_export(export_id) == "done"
        job = db.session.get(ExportJob, export_id)
        plain, stored = exports.read_export(job), exports.export_path(job)
    stored.write_bytes(plain)  # as the code before issue 14 left it: plain, 0644
    stored.chmod(0o644)
    assert client.get(f"/exports/{export_id}/download").data == plain  # still reads meanwhile
    runner = app.test_cli_runner()
    out = runner.invoke(args=["attachments", "seal"])
    assert out.exit_code == 0 and "1 plain files sealed" in out.output and "1 exports" in out.output, out.output
    assert stored.read_bytes().startswith(MAGIC) and stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert client.get(f"/exports/{export_id}/download").data == plain
    original, new = app.config["IDENTITY_KEYS"], crypto.new_key()
    try:
        app.config["IDENTITY_KEYS"] = f"{new},{original}"
        rotated = runner.invoke(args=["identity", "rotate"])
        assert rotated.exit_code == 0 and "re-sealed with the first key" in rotated.output, rotated.output
        app.config["IDENTITY_KEYS"] = new  # the old key gone: the export still downloads
        assert client.get(f"/exports/{export_id}/download").data == plain
    finally:
        app.config["IDENTITY_KEYS"] = original


def test_no_background_export_is_promised_while_redis_is_down(client, app, agencies, province, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_SYNC_ROWS", 0)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens (reset after the test)
    app.extensions.pop("petitions_redis_ok", None)
    client.login("thanhtra")
    r = client.submit(f"/exports/cases.csv?figure=cases_total&{Q3_ARGS}", {})
    assert r.status_code == 503 and b"Redis" in r.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ExportJob)) == 0


@pytest.mark.browser
def test_progress_page_refreshes_itself_without_javascript(server, page, app, agencies, province, run_worker,
                                                          monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "EXPORT_SYNC_ROWS", 3)
    context = page.context.browser.new_context(java_script_enabled=False, accept_downloads=True,
                                               viewport={"width": 390, "height": 844})
    tab = context.new_page()
    tab.goto(f"{server}/auth/login")
    tab.fill("input[name=username]", "thanhtra")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    from .conftest import browser_second_step
    browser_second_step(tab, app, "thanhtra")  # an inspector types the code of the authenticator app
    tab.goto(f"{server}/exports/?{Q3_ARGS}")
    tab.click("a[href*='cases.xlsx?figure=letters_received']")
    tab.click("main form[method=post] button[type=submit]")
    assert re.search(r"/exports/\d+$", tab.url)
    assert tab.locator("[data-testid=download]").count() == 0
    run_worker()
    tab.wait_for_selector("[data-testid=download]", timeout=15000)  # the page reloaded itself
    with tab.expect_download() as download:
        tab.click("[data-testid=download]")
    name = download.value.suggested_filename
    assert name.startswith("ho-so_letters_received_") and name.endswith(".xlsx")
    download.value.save_as(tmp_path / name)
    ws = load_workbook(tmp_path / name).active
    assert ws.max_row == 2 + 5
    context.close()
