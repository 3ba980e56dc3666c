"""The law's second pass (issue 16) and the explanations written on display (issue 17,
item 2), as the officer, the administrator and the citizen see them. Dates are counted
by hand in the comments (19/12/2025 is a Friday, 1/7/2026 a Wednesday)."""
from __future__ import annotations

import html as htmllib
import re
from datetime import date

import pytest

from petitions.extensions import db
from petitions.models import Alert, CalendarOverride, Case

from .test_officer_api import event, token_for
from .test_workflow_service import _file

#: words of English sentences; none may reach a Vietnamese explanation
ENGLISH = re.compile(r"\b(the|a|of|to|from|and|is|not|day|days|working|calendar|Source|Saturday|Sunday|Due|"
                     r"counted|Counting|Rule|case|received|letter|Law|Art|Year|Lunar|decision|Government|"
                     r"Office|Day|standard|complex|extension|suspended|end|in|on)\b")
#: Vietnamese labels that must not remain on an English page
VIETNAMESE = ("Thứ Bảy", "Chủ nhật", "Tết Dương lịch", "Giao thừa", "Tết Nguyên đán", "Nghỉ Tết", "Căn cứ:",
              "Hạn: hết ngày", "ngày làm việc", "Không tính", "Công văn")


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def items(page: str, testid: str) -> list[str]:
    block = re.search(rf'data-testid="{testid}">(.*?)</(?:ol|ul)>', page, re.S)
    assert block, page[:2000]
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


@pytest.fixture
def decisions(app):
    """What `flask seed units` does on a new installation (and the migration on an old one)."""
    result = run(app, "seed", "units")
    assert result.exit_code == 0, result.output
    assert "Official calendar decisions (data 2026-12-05) recorded: 2" in result.output
    return result


# -- 1. official decisions: seed, command, administration page -------------------------


def test_seed_units_loads_the_decisions_once_and_the_command_uses_them(app, decisions):
    again = run(app, "seed", "units")
    assert "recorded: 0" in again.output  # idempotent
    with app.app_context():
        rows = db.session.scalars(db.select(CalendarOverride).order_by(CalendarOverride.day)).all()
        assert [(r.day, r.kind, r.data_version) for r in rows] == [
            (date(2026, 1, 2), "day_off", "2026-12-05"), (date(2026, 1, 10), "working_day", "2026-12-05")]
        assert all("12729/VPCP-KGVX" in r.source for r in rows)
    # Fri 19/12/2025 + 10 working days: 22-26 (5), [27, 28], 29, 30, 31 (8), [1/1 New Year's Day,
    # 2/1 New Year 2026 decision, 3, 4], Mon 5/1 (9), Tue 6/1 (10) -> 2026-01-06
    result = run(app, "deadline", "complaint-acceptance", "2025-12-19")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2026-01-06"
    assert re.search(r"^  2026-01-02 Fri  New Year 2026 decision: .*12729/VPCP-KGVX", result.output, re.M)


def test_admin_calendar_shows_the_source_and_the_days_without_enacted_basis(app, client, make_officer, decisions):
    make_officer("quantri", ["admin"], "TTR-TINH")
    client.login("quantri")
    client.get("/lang/en")
    page = htmllib.unescape(client.get("/admin/calendar?year=2026").get_data(as_text=True))
    row = re.search(r'<tr data-day="2026-01-02">(.*?)</tr>', page, re.S).group(1)
    assert "New Year 2026 decision" in row and "Source: Công văn 12729/VPCP-KGVX" in row
    assert "shipped with the application, data 2026-12-05" in row
    culture = re.search(r'<tr data-day="2026-11-24">(.*?)</tr>', page, re.S).group(1)
    assert "No enacted legal basis" in culture and "followed: counted as a day off" in culture
    assert "CALENDAR_FOLLOW_UNENACTED=0" in page
    # Tết 2027: the package's days, with no official notice found yet, are shown as estimates
    page = htmllib.unescape(client.get("/admin/calendar?year=2027").get_data(as_text=True))
    tet = re.search(r'<tr data-day="2027-02-08">(.*?)</tr>', page, re.S).group(1)
    assert "Estimate" in tet and "No official notice found yet" in tet
    app.config["CALENDAR_FOLLOW_UNENACTED"] = False
    try:
        page = htmllib.unescape(client.get("/admin/calendar?year=2026").get_data(as_text=True))
        culture = re.search(r'<tr data-day="2026-11-24">(.*?)</tr>', page, re.S).group(1)
        assert "ignored: counted as a working day" in culture and "working day" in culture
        # Mon 23/11/2026 + 10 working days with 24/11 ignored: 24, 25, 26, 27 (4), [28, 29],
        # 30/11, 1, 2, 3, 4/12 (9), [5, 6], Mon 7/12 (10) -> 2026-12-07
        out = run(app, "deadline", "letter-handling", "2026-11-23").output
        assert out.startswith("2026-12-07") and "2026-11-24" not in out
    finally:
        app.config["CALENDAR_FOLLOW_UNENACTED"] = True
    # followed: [24/11 Culture Day], 25, 26, 27 (3), 30/11 .. 4/12 (8), 7, 8/12 (10) -> Tue 8/12/2026
    out = run(app, "deadline", "letter-handling", "2026-11-23").output
    assert out.startswith("2026-12-08") and "2026-11-24 Tue  Vietnam Cultural Day" in out


# -- 8. the calculator's variants -------------------------------------------------------


def test_cli_several_places_suspensions_and_day_of_receipt(app):
    # denunciation received Wed 1/7/2026, several places: 10 working days -> Wed 15/7; 8 decided -> Mon 13/7
    assert run(app, "deadline", "denunciation-processing", "2026-07-01", "--several-places").output \
        .startswith("2026-07-15")
    out = run(app, "deadline", "denunciation-processing", "2026-07-01", "--several-places",
              "--several-places-days", "8").output
    assert out.startswith("2026-07-13") and "Length decided: 8 working days" in out
    # resolution from 1/7 with a suspension 10/7..19/7 (10 days not counted): 40 days -> Mon 10/8
    out = run(app, "deadline", "denunciation-resolution", "2026-07-01", "--suspended", "2026-07-10:2026-07-19").output
    assert out.startswith("2026-08-10") and "Not counted, suspended: 10 day(s)" in out
    # extensions of 20 and 15 days: 65 days from 1/7 -> Fri 4/9
    out = run(app, "deadline", "denunciation-resolution", "2026-07-01", "--very-complex",
              "--extension-days", "20", "--extension-days", "15").output
    assert out.startswith("2026-09-04") and "20 + 15 days" in out
    # decision sent Tue 21/7, received Mon 27/7: 30 days from 27/7 -> Wed 26/8
    out = run(app, "deadline", "complaint2-filing", "2026-07-21", "--decision-received", "2026-07-27").output
    assert out.startswith("2026-08-26") and "received the first-time decision" in out
    bad = run(app, "deadline", "denunciation-resolution", "2026-07-01", "--suspended", "2026-07-10")
    assert bad.exit_code != 0 and "FROM:TO" in bad.output


def test_page_offers_the_same_variants(client):
    client.get("/lang/en")
    base = "/deadline?step=denunciation-resolution&start=2026-07-01"
    page = client.get(base + "&suspended_from=2026-07-10&suspended_to=2026-07-19").get_data(as_text=True)
    assert 'data-testid="due-date">10/08/2026' in page  # as the command: 40 days -> Mon 10/8
    assert "(10/07/2026 to 19/07/2026)" in htmllib.unescape(page)
    page = client.get(base + "&very_complex=y&extension_days=20,+15").get_data(as_text=True)
    assert 'data-testid="due-date">04/09/2026' in page
    page = client.get("/deadline?step=denunciation-processing&start=2026-07-01&several_places=y"
                      "&several_places_days=8").get_data(as_text=True)
    assert 'data-testid="due-date">13/07/2026' in page
    page = client.get("/deadline?step=complaint2-filing&start=2026-07-21&decision_received=27/07/2026") \
        .get_data(as_text=True)
    assert 'data-testid="due-date">26/08/2026' in page and "Art. 33" in page
    r = client.get(base + "&very_complex=y&extension_days=40")
    assert r.status_code == 422 and "from 1 to 30" in r.get_data(as_text=True)
    for name in ("several_places", "several_places_days", "extension_days", "suspended_from", "suspended_to",
                 "decision_received"):
        assert f'name="{name}"' in page


# -- issue 17, item 2: explanations in the reader's language -----------------------------


def test_page_explanation_in_vietnamese_has_no_english_and_one_note(client, decisions):
    # the New Year 2026 example, and letter handling across Tết 2026 (16-20/2): from Tue 10/2,
    # 11, 12, 13 (3), [14, 15, 16-20 Tết, 21, 22], 23, 24, 25, 26, 27 (8), [28/2, 1/3], 2, 3/3 (10) -> 03/03/2026
    for query, due in (("step=complaint-acceptance&start=2025-12-19", "06/01/2026"),
                       ("step=letter-handling&start=2026-02-10", "03/03/2026")):
        page = client.get(f"/deadline?{query}").get_data(as_text=True)
        assert f'data-testid="due-date">{due}' in page
        lines = items(page, "explanation") + items(page, "skipped-days")
        for line in lines:
            without_citations = re.sub(r"\b[A-ZĐ]{1,4}[ -]?\d+/\d{4}/[\w-]+|\d+/VPCP-KGVX|\d+-NQ/TW", "", line)
            assert not ENGLISH.search(without_citations), line
            assert not re.search(r"\d{4}-\d\d-\d\d", line), line  # dd/mm/yyyy only
        text = " ".join(lines)
        if "complaint" in query:
            assert "Tết Dương lịch" in text and "Công văn 12729/VPCP-KGVX" in text and "Thứ Bảy" in text
            assert "“10 ngày”" in text  # item 9, in Vietnamese
        else:
            assert "Giao thừa Tết Nguyên đán" in text and "Mùng ba Tết Nguyên đán" in text
    # the 2026 amendment: how the text was read is said once, in the note
    page = htmllib.unescape(client.get("/deadline?step=complaint-acceptance&start=2026-07-01")
                            .get_data(as_text=True))
    assert page.count("bản sao") == 1 and 'data-testid="texts-note"' in page


def test_page_explanation_in_english_keeps_no_vietnamese_only_label(client, decisions):
    client.get("/lang/en")
    for query in ("step=complaint-acceptance&start=2025-12-19", "step=letter-handling&start=2026-02-10"):
        page = client.get(f"/deadline?{query}").get_data(as_text=True)
        lines = items(page, "explanation") + items(page, "skipped-days")
        text = " ".join(lines)
        for label in VIETNAMESE:
            assert label not in text, label
        assert re.search(r"\d\d/\d\d/\d{4}", text) and not re.search(r"\d{4}-\d\d-\d\d", text)
    assert "Lunar New Year's Eve" in text and "Saturday" in text


def test_officer_case_page_explanation_in_the_readers_language(client, app, agencies, make_officer, decisions):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = _file(client, app, agencies, "complaint", day="2026-07-01")
    head = token_for(app, "chutich")
    app.config["TODAY"] = date(2026, 7, 20)
    event(client, head, code, "accept", "2026-07-03")
    event(client, head, code, "start_verification", "2026-07-06")
    # item 5: complex from the determination of Tue 14/7: 45 days from Fri 3/7 -> Mon 17/8
    event(client, head, code, "determine_complexity", "2026-07-14", ground="ground_3", document="12/QĐ-UBND")
    client.login("chutich")
    page = client.get(f"/officer/cases/{code}").get_data(as_text=True)
    assert 'data-testid="due-complaint-resolution">' in page and "17/08/2026" in page
    lines = items(page, "explanation-complaint-resolution")
    text = " ".join(lines)
    assert "12/QĐ-UBND" in text and "14/07/2026" in text and "Điều 3a" in text
    for line in lines:
        without_citations = re.sub(r"\b[A-ZĐ]{1,4}[ -]?\d+/\d{4}/[\w-]+|\d+/QĐ-UBND", "", line)
        assert not ENGLISH.search(without_citations), line
    client.get("/lang/en")
    lines = items(client.get(f"/officer/cases/{code}").get_data(as_text=True), "explanation-complaint-resolution")
    text = " ".join(lines)
    assert "Complex case by written determination 12/QĐ-UBND of 14/07/2026" in text and "Ground 3" in text
    for label in VIETNAMESE:
        assert label not in text, label
    with app.app_context():  # stored as data, written on display
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        row = next(d for d in case.deadlines if d.step == "complaint-resolution")
        assert isinstance(row.explanation, dict) and row.explanation["complexity"]["document"] == "12/QĐ-UBND"
        assert case.complexity_basis["ground"].startswith("Ground 3")


# -- 2-3. the new limits are alerted like the others ----------------------------------


def test_conclusion_notice_and_handling_are_alerted(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = _file(client, app, agencies, "denunciation", day="2026-07-01")
    head = token_for(app, "chutich")
    app.config["TODAY"] = date(2026, 10, 20)
    event(client, head, code, "accept", "2026-07-02")
    event(client, head, code, "start_verification", "2026-07-06")
    # concluded Fri 25/9/2026: Art. 35 sent by Fri 2/10, Art. 36 acted on by Tue 6/10
    event(client, head, code, "conclude", "2026-09-25", outcome="correct", decision_no="9/KL")
    from petitions.services.alerts import sweep
    with app.app_context():
        sweep(date(2026, 10, 7))
        db.session.commit()
        alerts = {(a.step, a.due_on) for a in db.session.scalars(db.select(Alert))}
    assert ("denunciation-conclusion-notice", date(2026, 10, 2)) in alerts
    assert ("denunciation-conclusion-handling", date(2026, 10, 6)) in alerts


def test_complaint_suspension_notice_through_the_service_and_its_document_offer(client, app, agencies,
                                                                              make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = _file(client, app, agencies, "complaint", day="2026-07-01")
    head = token_for(app, "chutich")
    app.config["TODAY"] = date(2026, 7, 20)
    event(client, head, code, "accept", "2026-07-03")
    # suspended Fri 10/7/2026: the decision is sent within 3 working days: 13, 14, 15 -> Wed 15/7
    event(client, head, code, "suspend", "2026-07-10", reason="chờ kết quả giám định")
    from petitions.services.documents import offered_for_event
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        notice = next(d for d in case.deadlines if d.step == "complaint-procedure-notice")
        assert (notice.started_on, notice.due_on, notice.completed_on) == (date(2026, 7, 10), date(2026, 7, 15), None)
    event(client, head, code, "notify", "2026-07-14")
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        notice = next(d for d in case.deadlines if d.step == "complaint-procedure-notice")
        assert notice.completed_on == date(2026, 7, 14) and notice.on_time
        sent = max(case.events, key=lambda e: e.id)
        assert sent.event == "notify" and offered_for_event(case, sent) == []  # not the decision's document
    event(client, head, code, "notify", "2026-07-15", status=422)  # nothing owed any more
