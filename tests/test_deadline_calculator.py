"""The deadline calculator: ``flask deadline`` and the public page /deadline.

Every expected date below is counted by hand in the comments, never by calling the
function under test. Calendar facts used (2026, ``holidays`` VN + Labour Code Art. 112):
1/1/2026 is a Thursday; Hùng Kings' day is Sunday 26/4, with Monday 27/4 off in lieu;
Thursday 30/4 and Friday 1/5 are holidays; no holiday in March, June or July.
Counting (Civil Code Art. 147-148): the start day is not counted; working days skip
weekends and holidays; a calendar period ending on a non-working day moves to the next
working day.
"""
from __future__ import annotations

import re
from datetime import date

import pytest

from petitions.extensions import db
from petitions.models import CalendarOverride, DeadlineSetting


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["deadline", *args])


def due_on_page(html: str) -> str:
    match = re.search(r'data-testid="due-date">([^<]+)<', html)
    assert match, html[:3000]
    return match.group(1).strip()


def status_badge(html: str) -> tuple[str, str]:
    match = re.search(r'data-testid="rule-status" data-status="([^"]+)">([^<]+)<', html)
    assert match, html[:3000]
    return match.group(1), match.group(2).strip()


@pytest.fixture
def english(client):
    client.get("/lang/en")
    return client


@pytest.fixture
def admin_settings(app):
    """An official day off on Monday 13/7/2026 and a provincial petition-answer limit."""
    with app.app_context():
        db.session.add(CalendarOverride(day=date(2026, 7, 13), kind="day_off",
                                        note="QĐ thử nghiệm: nghỉ bù 13/7/2026"))
        db.session.add(DeadlineSetting(step="petition-answer", effective_from=date(2026, 1, 1),
                                       limit_days=10, unit="working", note="QĐ thử nghiệm của UBND tỉnh"))
        db.session.commit()


# -- the command -------------------------------------------------------------------


def test_cli_complaint_acceptance_received_30_june_keeps_10_working_days(app):
    # Start Tue 30/6/2026, rule of 30/6 (before the 1/7/2026 amendment): 10 working days.
    # Wed 1/7 (1), Thu 2/7 (2), Fri 3/7 (3), Sat 4 and Sun 5 skipped, Mon 6..Fri 10/7 (4..8),
    # Sat 11 and Sun 12 skipped, Mon 13/7 (9), Tue 14/7 (10) -> 2026-07-14.
    result = run(app, "complaint-acceptance", "2026-06-30")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2026-07-14"
    out = result.output
    assert "Accept or refuse a complaint (thụ lý): 10 working days (standard case)." in out
    assert "Source: Law on Complaints 02/2011/QH13, Art. 27 and 36; NĐ 124/2020/NĐ-CP, Art. 16." in out
    assert "How the text was read: law, read in the text as enacted." in out
    for skipped in ("2026-07-04", "2026-07-05", "2026-07-11", "2026-07-12"):
        assert f"  {skipped} " in out
    assert "Saturday" in out and "Sunday" in out


def test_cli_complaint_acceptance_received_1_july_has_7_working_days(app):
    # Start Wed 1/7/2026, amended rule (NĐ 155/2026, from 1/7/2026): 7 working days.
    # Thu 2/7 (1), Fri 3/7 (2), Sat 4 and Sun 5 skipped, Mon 6 (3), Tue 7 (4), Wed 8 (5),
    # Thu 9 (6), Fri 10/7 (7) -> 2026-07-10.
    result = run(app, "complaint-acceptance", "2026-07-01")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2026-07-10"
    assert "7 working days" in result.output
    assert "NĐ 155/2026/NĐ-CP" in result.output and "2025-2026 amendment" in result.output


def test_cli_received_picks_the_rule_in_force_on_receipt(app):
    # Received Tue 30/6 (old rule: 10 working days), accepted-step start Wed 1/7/2026:
    # Thu 2 (1), Fri 3 (2), [Sat 4, Sun 5], Mon 6..Fri 10 (3..7), [Sat 11, Sun 12],
    # Mon 13 (8), Tue 14 (9), Wed 15/7 (10) -> 2026-07-15.
    result = run(app, "complaint-acceptance", "2026-07-01", "--received", "2026-06-30")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2026-07-15"
    assert "10 working days" in result.output


def test_cli_letter_handling_across_the_april_holidays(app):
    # Start Fri 24/4/2026, 10 working days (a provincial setting):
    # Sat 25/4 skipped, Sun 26/4 Hùng Kings' day, Mon 27/4 its day off in lieu,
    # Tue 28/4 (1), Wed 29/4 (2), Thu 30/4 and Fri 1/5 holidays, Sat 2 and Sun 3/5 skipped,
    # Mon 4/5 (3), Tue 5 (4), Wed 6 (5), Thu 7 (6), Fri 8 (7), Sat 9 and Sun 10 skipped,
    # Mon 11 (8), Tue 12 (9), Wed 13/5 (10) -> 2026-05-13.
    result = run(app, "letter-handling", "2026-04-24")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.splitlines()[0] == "2026-05-13"
    assert "How the text was read: provincial setting, not set by law." in out
    skipped = re.findall(r"^  (\d{4}-\d\d-\d\d) \w+  (.+)$", out, re.M)
    assert [d for d, _ in skipped] == ["2026-04-25", "2026-04-26", "2026-04-27", "2026-04-30",
                                       "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-09",
                                       "2026-05-10"]
    reasons = dict(skipped)
    assert "Hung Kings" in reasons["2026-04-26"] and "Hung Kings" in reasons["2026-04-27"]
    assert reasons["2026-04-25"] == "Saturday"
    assert "Labor" in reasons["2026-05-01"]


def test_cli_denunciation_resolution_two_extensions_especially_complex(app):
    # 30 calendar days + 2 extensions x 30 days = 90 calendar days from Mon 2/3/2026.
    # 2/3 is day 31+28+2 = 61 of 2026; 61 + 90 = day 151 = 31/5 (120 days to end of April).
    # Day 151: 1/1 is a Thursday and 150 = 21*7 + 3, so a Sunday -> moved to Mon 1/6/2026.
    result = run(app, "denunciation-resolution", "2026-03-02", "--extensions", "2", "--very-complex")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.splitlines()[0] == "2026-06-01"
    assert "90 calendar days" in out and "2 extension(s) of 30 days (especially complex case)" in out
    assert "Law on Denunciations 25/2018/QH14, Art. 30" in out
    assert "The last day, 2026-05-31, is not a working day" in out
    assert "  2026-05-31 Sun  Sunday" in out


def test_cli_complex_resolution_in_a_remote_area(app):
    # First-time complaint, complex and remote: 60 calendar days from Mon 1/6/2026.
    # June has 30 days: 1/6 + 29 = 30/6, + 31 = 31/7 (Friday: 1/7 is a Wednesday, 31/7 is
    # 30 days later = 4 weeks + 2 days -> Friday), a working day -> 2026-07-31.
    result = run(app, "complaint-resolution", "2026-06-01", "--complex", "--remote")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2026-07-31"
    assert "60 calendar days (remote area and complex case)" in result.output


@pytest.mark.parametrize("args, message", [
    (["denunciation-resolution", "2026-03-02", "--extensions", "3", "--very-complex"],
     "allows 2 extension(s) for this case (especially complex); 3 were asked"),
    (["denunciation-resolution", "2026-03-02", "--extensions", "1"],
     "allows 0 extension(s) for this case (not complex)"),
    (["letter-handling", "2026-02-30"], "is not a date: write it as YYYY-MM-DD"),
    (["letter-handling", "30/06/2026"], "is not a date: write it as YYYY-MM-DD"),
    (["letter-handling", "2026-06-30", "--received", "yesterday"], "is not a date"),
    (["letter-handling", "2150-01-01"], "outside the dates the calendar covers"),
    (["no-such-step", "2026-06-30"], "Invalid value for 'STEP'"),
])
def test_cli_errors_exit_non_zero_with_a_message(app, args, message):
    result = run(app, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert not re.match(r"\d{4}-\d\d-\d\d$", result.output.splitlines()[0])


def test_cli_accepts_every_step(app):
    from petitions.workflow.deadlines import Step
    for step in Step:  # complaint-procedure-notice exists from 1/7/2026 (NĐ 155/2026)
        result = run(app, step.value, "2026-07-01")
        assert result.exit_code == 0, (step, result.output)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", result.output.splitlines()[0])


def test_cli_applies_the_administrators_calendar_and_settings(app, admin_settings):
    # Day off on Mon 13/7/2026: complaint acceptance from Tue 30/6 (10 working days):
    # 1, 2, 3/7 (1..3), [4, 5], 6..10/7 (4..8), [11, 12, 13 off], 14/7 (9), 15/7 (10).
    result = run(app, "complaint-acceptance", "2026-06-30")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2026-07-15"
    assert "  2026-07-13 Mon  QĐ thử nghiệm: nghỉ bù 13/7/2026" in result.output
    # Provincial petition-answer limit of 10 working days (default 15) from Wed 1/7/2026:
    # 2, 3/7 (1, 2), [4, 5], 6..10/7 (3..7), [11, 12, 13 off], 14 (8), 15 (9), 16/7 (10).
    result = run(app, "petition-answer", "2026-07-01")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2026-07-16"
    assert "Source: Provincial setting: QĐ thử nghiệm của UBND tỉnh." in result.output
    assert "How the text was read: provincial setting, not set by law." in result.output


# -- the page ----------------------------------------------------------------------


def test_page_renders_in_vietnamese_without_sign_in(client):
    r = client.get("/deadline")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Theo dõi đơn của tôi" in html  # the shared navigation, in Vietnamese
    assert 'href="/deadline"' in html  # the navigation link
    assert '<form method="get" action="/deadline"' in html
    for name in ("step", "start", "complex", "very_complex", "remote", "extensions", "received"):
        assert f'name="{name}"' in html
    assert 'value="complaint-acceptance"' in html and 'value="denunciation-resolution"' in html
    assert 'data-testid="due-date"' not in html and 'role="alert"' not in html


def test_page_linked_from_every_page(client):
    html = client.get("/track").get_data(as_text=True)
    assert 'href="/deadline"' in html


def test_page_computes_a_law_rule(client):
    # Same as the command: complaint acceptance from Tue 30/6/2026, 10 working days -> 14/7/2026.
    r = client.get("/deadline?step=complaint-acceptance&start=2026-06-30")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert due_on_page(html) == "14/07/2026"
    assert "NĐ 124/2020/NĐ-CP" in html
    assert status_badge(html)[0] == "law"
    assert "04/07/2026" in html and "12/07/2026" in html  # the weekends not counted


def test_page_in_english_shows_rule_source_badge_and_explanation(english):
    r = english.get("/deadline?step=complaint-acceptance&start=2026-06-30")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert due_on_page(html) == "14/07/2026"
    assert "Accept or refuse a complaint (thụ lý)" in html
    assert re.search(r'data-testid="rule-limit">10 working days \(standard case\)', html)
    assert ('<span data-testid="rule-source">Law on Complaints 02/2011/QH13, Art. 27 and 36; '
            'NĐ 124/2020/NĐ-CP, Art. 16</span>') in html
    assert status_badge(html) == ("law", "Law")
    assert "Counting starts the day after 30/06/2026" in html
    assert "Due: end of 14/07/2026." in html


def test_page_labels_an_amendment(english):
    # Wed 1/7/2026, 7 working days: 2, 3/7 (1, 2), [4, 5], 6..10/7 (3..7) -> 10/7/2026.
    html = english.get("/deadline?step=complaint-acceptance&start=2026-07-01").get_data(as_text=True)
    assert due_on_page(html) == "10/07/2026"
    assert status_badge(html) == ("2026", "2025-2026 amendment")
    assert "check against the official gazette" in html


def test_page_labels_a_provincial_setting_never_as_law(client, english):
    # Letter handling from Fri 24/4/2026 -> 13/5/2026 (counted in the command's test above).
    url = "/deadline?step=letter-handling&start=2026-04-24"
    html = english.get(url).get_data(as_text=True)
    assert due_on_page(html) == "13/05/2026"
    assert status_badge(html) == ("open", "Provincial setting")
    assert "provincial setting, not set by law" in html
    skipped = re.search(r'data-testid="skipped-days">(.*?)</ul>', html, re.S).group(1)
    days = re.findall(r"(\d\d/\d\d/\d{4})</time></strong> — ([^<]+)<", skipped)
    assert [d for d, _ in days] == ["25/04/2026", "26/04/2026", "27/04/2026", "30/04/2026", "01/05/2026",
                                    "02/05/2026", "03/05/2026", "09/05/2026", "10/05/2026"]
    assert dict(days)["25/04/2026"] == "Saturday" and "Hung Kings" in dict(days)["26/04/2026"]


def test_page_names_holidays_in_vietnamese(app):
    client = app.test_client()
    html = client.get("/deadline?step=letter-handling&start=2026-04-24").get_data(as_text=True)
    assert due_on_page(html) == "13/05/2026"
    assert status_badge(html)[0] == "open"
    assert "Ngày Giỗ Tổ Hùng Vương" in html and "Ngày Quốc tế Lao động" in html


def test_page_extensions_and_moved_last_day(english):
    # 90 calendar days from Mon 2/3/2026 end on Sun 31/5 -> Mon 1/6/2026 (see the command's test).
    html = english.get("/deadline?step=denunciation-resolution&start=2026-03-02&very_complex=y&extensions=2") \
        .get_data(as_text=True)
    assert due_on_page(html) == "01/06/2026"
    assert "90 calendar days" in html and "including 2 extension(s) of 30 days" in html
    assert "31/05/2026</time></strong> — Sunday" in html


def test_page_received_date_and_administrators_settings(english, admin_settings):
    # Received Tue 30/6 (10 working days), start Wed 1/7/2026, day off Mon 13/7:
    # 2, 3/7 (1, 2), [4, 5], 6..10/7 (3..7), [11, 12, 13 off], 14 (8), 15 (9), 16/7 (10).
    html = english.get("/deadline?step=complaint-acceptance&start=2026-07-01&received=2026-06-30") \
        .get_data(as_text=True)
    assert due_on_page(html) == "16/07/2026"
    assert "QĐ thử nghiệm: nghỉ bù 13/7/2026" in html
    # The provincial petition-answer setting of 10 working days from Wed 1/7/2026 -> 16/7/2026.
    html = english.get("/deadline?step=petition-answer&start=2026-07-01").get_data(as_text=True)
    assert due_on_page(html) == "16/07/2026"
    assert "Provincial setting: QĐ thử nghiệm của UBND tỉnh" in html
    assert status_badge(html) == ("open", "Provincial setting")


def test_page_accepts_a_typed_day_month_year(english):
    html = english.get("/deadline?step=complaint-acceptance&start=30/06/2026").get_data(as_text=True)
    assert due_on_page(html) == "14/07/2026"


@pytest.mark.parametrize("query, message", [
    ("step=letter-handling&start=2026-02-30", "Enter a valid date, for example 30/06/2026."),
    ("step=letter-handling&start=", "Enter the start date."),
    ("step=letter-handling&start=2150-01-01", "The calendar covers 01/01/2000 to 31/12/2099"),
    ("step=letter-handling&start=2026-06-30&received=soon", "Enter a valid date, for example 30/06/2026."),
    ("step=letter-handling&start=2026-06-30&extensions=-1", "Enter a number from 0 to 9."),
    ("step=no-such-step&start=2026-06-30", "Not a valid choice"),
    ("step=denunciation-resolution&start=2026-03-02&very_complex=y&extensions=3",
     "allows 2 extension(s) for this case (especially complex); 3 were asked."),
    ("step=denunciation-resolution&start=2026-03-02&extensions=1",
     "allows 0 extension(s) for this case (not complex)"),
])
def test_page_invalid_input_gives_422_and_a_message(english, query, message):
    r = english.get(f"/deadline?{query}")
    assert r.status_code == 422
    html = r.get_data(as_text=True).replace("&#39;", "'")
    assert 'role="alert"' in html and "The due date could not be computed." in html
    assert message in html
    assert 'data-testid="due-date"' not in html


def test_page_invalid_input_in_vietnamese_is_422_too(client):
    r = client.get("/deadline?step=denunciation-resolution&start=2026-03-02&very_complex=y&extensions=3")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'role="alert"' in html and 'class="field-error"' in html
    assert 'data-testid="due-date"' not in html
