"""The inspectorate's monitoring pages: who sees what, the target 4 figures and the cases
behind each, the ranking, the charts, and the province's overdue list."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from html import unescape

import pytest
from sqlalchemy import event as sa_event

from petitions.extensions import db
from petitions.models import AdminUnit, Agency
from petitions.services import charts
from petitions.services.reports import FIGURES, Scope, agency_tree, target4
from petitions.workflow.periods import reporting_period

from .test_officer_api import event, token_for

TODAY = date(2026, 11, 27)  # a Friday; the report year 2026 runs 15/12/2025 - 14/12/2026
SVG = "{http://www.w3.org/2000/svg}"


# --- building a small province through the intake service and the officer API ---------

@pytest.fixture(autouse=True)
def _english(client):
    """These tests read the pages' English text: the officer chose English."""
    client.get("/lang/en")


def letter(app, kind: str, agency_code: str, commune_code: str, received: str, channel: str = "web",
           co_signers: int = 0) -> str:
    from petitions.services.intake import Submission, submit_case
    from petitions.workflow.states import Channel, Kind
    with app.app_context():
        agency = db.session.scalar(db.select(Agency).where(Agency.code == agency_code))
        commune = db.session.scalar(db.select(AdminUnit).where(AdminUnit.code == commune_code))
        case, _key = submit_case(Submission(
            kind=Kind(kind), title="Đơn thử nghiệm", channel=Channel(channel),
            content="Nội dung đơn đủ dài để được chấp nhận, nêu rõ sự việc và yêu cầu.",
            received_on=date.fromisoformat(received), agency=agency, commune=commune,
            respondent="Quyết định số 12/QĐ-UBND" if kind != "petition" else None,
            petitioner={"full_name": "Nguyễn Văn An", "id_number": "040123456789", "phone": "0912345678"},
            co_signers=[{"full_name": f"Người ký {i}"} for i in range(co_signers)]))
        db.session.commit()
        return case.tracking_code


def staff(make_officer, app, agency_code: str, suffix: str) -> tuple[dict, dict]:
    make_officer(f"head{suffix}", ["head"], agency_code)
    make_officer(f"handler{suffix}", ["handler"], agency_code)
    return token_for(app, f"head{suffix}"), token_for(app, f"handler{suffix}")


def province(app, client, agencies, make_officer) -> dict:
    """Known cases of every kind of figure, in two agencies and across two periods."""
    a, b = agencies["agency_a"], agencies["agency_b"]
    ca, cb = agencies["commune_a"], agencies["commune_b"]
    app.config["TODAY"] = TODAY
    head_a, work_a = staff(make_officer, app, a, "a")
    head_b, work_b = staff(make_officer, app, b, "b")
    codes = {}
    # handled on time, resolved on time, the act annulled: the complaint was correct
    codes["decided"] = code = letter(app, "complaint", a, ca, "2026-08-03")
    event(client, head_a, code, "accept", "2026-08-05")
    event(client, head_a, code, "assign", "2026-08-05", handler="handlera")
    event(client, work_a, code, "start_verification", "2026-08-06")
    event(client, head_a, code, "decide", "2026-08-28", outcome="annul", decision_no="1/QĐ-UBND")
    # handled late (accepted after the 10 working days), then withdrawn and terminated
    codes["withdrawn"] = code = letter(app, "complaint", a, ca, "2026-06-01")
    event(client, head_a, code, "accept", "2026-07-01")
    event(client, head_a, code, "withdraw", "2026-07-10", withdrawn_on="2026-07-09")
    event(client, head_a, code, "terminate", "2026-07-15", reason="withdrawn")
    # accepted on time, resolution overdue and still open
    codes["open_overdue"] = code = letter(app, "denunciation", a, ca, "2026-09-01")
    event(client, head_a, code, "accept", "2026-09-03")
    # not handled, not yet due; not handled and overdue (another agency)
    codes["not_due"] = letter(app, "complaint", a, ca, "2026-11-20")
    codes["not_handled"] = letter(app, "complaint", b, cb, "2026-10-01")
    # accepted in the previous report year: carried over, still open
    codes["carried"] = code = letter(app, "complaint", a, ca, "2025-10-01")
    event(client, head_a, code, "accept", "2025-10-06")
    # a denunciation found untrue in the other agency
    codes["untrue"] = code = letter(app, "denunciation", b, cb, "2026-03-02")
    event(client, head_b, code, "accept", "2026-03-04")
    event(client, head_b, code, "assign", "2026-03-04", handler="handlerb")
    event(client, work_b, code, "start_verification", "2026-03-05")
    event(client, head_b, code, "conclude", "2026-03-20", outcome="wrong", decision_no="KL 2")
    # a petition: out of target 4 unless asked for
    codes["petition"] = letter(app, "petition", a, ca, "2026-09-01")
    return codes


def figure_links(html: str) -> dict[str, tuple[str, int]]:
    found = re.findall(r'<a class="figure" data-figure="(\w+)" href="([^"]+)"[^>]*>(\d+)</a>', html)
    return {name: (unescape(href), int(n)) for name, href, n in found}


def case_rows(html: str) -> list[str]:
    return re.findall(r'data-testid="case-row"', html)


def scope_for(app, agency_ids=None, kinds=("complaint", "denunciation"), kind="year", year=2026):
    period = reporting_period(kind, year)
    return Scope(period.start, period.end, TODAY, agency_ids, kinds)


# --- access ----------------------------------------------------------------------------

def test_inspect_pages_need_a_monitoring_role(app, client, agencies, make_officer):
    app.config["TODAY"] = TODAY
    for url in ("/inspect/", "/inspect/overdue", "/inspect/cases?figure=letters_received"):
        r = client.get(url)
        assert r.status_code == 302 and "/auth/login" in r.headers["Location"], url
    make_officer("letan", ["reception"], agencies["agency_a"])
    make_officer("thuly", ["handler"], agencies["agency_a"])
    for name in ("letan", "thuly"):
        client.login(name)
        for url in ("/inspect/", "/inspect/overdue", "/inspect/cases?figure=letters_received"):
            assert client.get(url).status_code == 403, (name, url)
        assert ">Monitoring<" not in client.get("/officer/").get_data(as_text=True)
        client.post("/auth/logout", data={"csrf_token": client.csrf("/officer/")})


def test_head_sees_own_agency_and_inspector_the_province(app, client, agencies, make_officer):
    codes = province(app, client, agencies, make_officer)
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    with app.app_context():
        own = agency_tree(agencies[agencies["agency_a"]])
        assert own == (agencies[agencies["agency_a"]],)  # a commune has no subordinates
        mine, everyone = target4(scope_for(app, own)), target4(scope_for(app))
    assert mine["letters_received"] < everyone["letters_received"]

    client.login("heada")
    page = client.get("/inspect/").get_data(as_text=True)
    assert {n: v for n, (_h, v) in figure_links(page).items()} == mine.figures
    assert ">Monitoring<" not in page  # the menu link is for the inspectorate
    assert client.get(f"/inspect/?agency={agencies['agency_b']}").status_code == 403
    assert client.get(f"/inspect/overdue?agency={agencies['agency_b']}").status_code == 403
    assert client.get(f"/inspect/cases?figure=letters_received&agency={agencies['agency_b']}").status_code == 403
    listed = client.get("/inspect/overdue").get_data(as_text=True)
    assert codes["not_due"] in listed and codes["not_handled"] not in listed  # agency b's
    client.post("/auth/logout", data={"csrf_token": client.csrf("/officer/")})

    client.login("thanhtra")
    page = client.get("/inspect/").get_data(as_text=True)
    assert {n: v for n, (_h, v) in figure_links(page).items()} == everyone.figures
    assert ">Monitoring<" in page
    listed = client.get("/inspect/overdue").get_data(as_text=True)
    assert codes["not_due"] in listed and codes["not_handled"] in listed


# --- the figures and the cases behind them ----------------------------------------------

@pytest.mark.parametrize("query, agency, kinds, period", [
    ("", None, ("complaint", "denunciation"), ("year", 2026)),
    ("?agency={a}&kind=complaint&kind=denunciation&kind=petition", "a",
     ("complaint", "denunciation", "petition"), ("year", 2026)),
    ("?period=q3&year=2026", None, ("complaint", "denunciation"), ("q3", 2026)),
    ("?period=year&year=2025", None, ("complaint", "denunciation"), ("year", 2025)),
])
def test_dashboard_figures_are_target4_and_each_links_to_its_cases(app, client, agencies, make_officer,
                                                                   query, agency, kinds, period):
    codes = province(app, client, agencies, make_officer)
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    with app.app_context():
        ids = agency_tree(agencies[agencies["agency_a"]]) if agency else None
        report = target4(scope_for(app, ids, kinds, *period))
    client.login("thanhtra")
    r = client.get("/inspect/" + query.format(a=agencies["agency_a"]))
    assert r.status_code == 200
    links = figure_links(r.get_data(as_text=True))
    assert set(links) == set(FIGURES)
    for name, (href, shown) in links.items():
        assert shown == report[name], name
        listing = client.get(href)
        assert listing.status_code == 200, href
        text = listing.get_data(as_text=True)
        assert len(case_rows(text)) == shown, (name, href)
        assert f'data-testid="total">{shown}<' in text
        # no personal data in a figure's list; each code opens the case page
        assert "Nguyễn Văn An" not in text and "040123456789" not in text
        for code in re.findall(r'href="/officer/cases/(\w+)"', text):
            assert code in codes.values()
    if period == ("year", 2026) and not agency:
        # the scenario reaches every kind of figure
        f = report.figures
        assert f["letters_on_time"] >= 2 and f["letters_late"] == 1 and f["letters_open"] == 1
        assert f["letters_open_overdue"] == 1 and f["cases_carried_over"] == 1
        assert f["cases_resolved_on_time"] == 2 and f["cases_withdrawn"] == 1 and f["cases_open_overdue"] == 2
        assert f["verdict_correct"] == 1 and f["verdict_wrong"] == 1
        assert 'data-rate="on_time"' in r.get_data(as_text=True)


def test_figure_list_pages_fifty_at_a_time(app, client, agencies, make_officer):
    app.config["TODAY"] = TODAY
    for _ in range(53):
        letter(app, "complaint", agencies["agency_a"], agencies["commune_a"], "2026-11-02")
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    client.login("thanhtra")
    first = client.get("/inspect/cases?figure=letters_open_overdue").get_data(as_text=True)
    assert len(case_rows(first)) == 50 and 'data-testid="total">53<' in first
    assert "Page 1 of 2" in first or "Trang 1" in first
    second = client.get("/inspect/cases?figure=letters_open_overdue&page=2").get_data(as_text=True)
    assert len(case_rows(second)) == 3
    assert client.get("/inspect/cases?figure=nonsense").status_code == 404


def test_dashboard_period_selector_and_bad_input(app, client, agencies, make_officer):
    app.config["TODAY"] = TODAY
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    client.login("thanhtra")
    page = client.get("/inspect/?period=custom&date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    assert "01/03/2026 – 31/03/2026" in page
    assert "period=custom&amp;date_from=2026-03-01&amp;date_to=2026-03-31" in page
    # a custom period ending before it starts: said so, and the current report year shown
    page = client.get("/inspect/?period=custom&date_from=2026-03-31&date_to=2026-03-01").get_data(as_text=True)
    assert 'role="alert"' in page and "period=year&amp;year=2026" in page
    page = client.get("/inspect/?period=h1&year=2025").get_data(as_text=True)
    assert "15/12/2024 – 14/06/2025" in page
    assert client.get("/inspect/?agency=NOPE").status_code == 200


# --- the ranking ----------------------------------------------------------------------

def test_ranking_keeps_small_agencies_apart(app, client, agencies, make_officer):
    a, b = agencies["agency_a"], agencies["agency_b"]
    app.config["TODAY"] = TODAY
    head_a, _w = staff(make_officer, app, a, "a")
    head_b, _w = staff(make_officer, app, b, "b")
    for i in range(5):  # four handled on time, one left to run late: 80% of five
        code = letter(app, "complaint", a, agencies["commune_a"], "2026-10-01")
        if i < 4:
            event(client, head_a, code, "accept", "2026-10-05")
    code = letter(app, "complaint", b, agencies["commune_b"], "2026-06-01")  # one letter, late: 0%
    event(client, head_b, code, "accept", "2026-07-01")
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    client.login("thanhtra")
    page = client.get("/inspect/").get_data(as_text=True)
    on_time = page.split('data-testid="ranking-1"')[1].split('data-testid="ranking-2"')[0]
    ranked, few = on_time.split('data-testid="too-few-1"')
    assert f'data-testid="ranked" data-agency="{a}"' in ranked and f'data-agency="{b}"' not in ranked
    assert f'data-agency="{b}"' in few
    assert "4 / 5" in ranked and "0 / 1" in few


# --- the charts ---------------------------------------------------------------------------

def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert title is not None and title.text and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return root


def test_charts_are_valid_svg_with_targets_and_escaped_text():
    svg = charts.rate_lines(
        ["Q1 <2026>", "Q2 & co", "Q3"],
        [charts.Series("On time \"A\"", [0.8, None, 1.0]), charts.Series("Resolution", [0.9, 0.97, None])],
        [charts.Target("target 100%", 1.0), charts.Target("target 95%", 0.95, series=1)],
        title="Rates <by> quarter", desc="a & b")
    root = parse(svg)
    assert root.find(SVG + "title").text == "Rates <by> quarter"
    targets = sorted(float(t.get("data-target")) for t in root.iter(SVG + "line") if t.get("class") == "target")
    assert targets == [0.95, 1.0]
    # a missing value breaks the line: no segment is drawn through it
    assert all(len(p.get("points").split()) >= 2 for p in root.iter(SVG + "polyline"))
    assert len(list(root.iter(SVG + "circle"))) == 4 + 2  # four values, two legend marks

    bars = charts.horizontal_bars([charts.Bar("Ủy ban <xã> A", [3, 2], "/inspect/?agency=A&only=y"),
                                   charts.Bar("B", [0, 1])], ["letters", "cases"], title="Overdue", desc="-")
    root = parse(bars)
    assert list(root.iter(SVG + "a")) == []  # nothing interactive inside role="img": the links are in the table
    assert "Ủy ban <xã> A" in "".join(root.itertext())

    hist = charts.histogram([("<1 month", 4), ("1-3", 0), (">12", 9)], title="Ages", desc="4, 0, 9")
    root = parse(hist)
    assert [t.text for t in root.iter(SVG + "text") if t.get("font-weight") == "600"] == ["4", "0", "9"]
    for empty in (charts.rate_lines([], [], title="x", desc="y", no_data="Nothing"),
                  charts.horizontal_bars([], ["a"], title="x", desc="y", no_data="Nothing"),
                  charts.histogram([("a", 0)], title="x", desc="y", no_data="Nothing")):
        assert "Nothing" in "".join(parse(empty).itertext())


def test_dashboard_charts_render_from_the_figures(app, client, agencies, make_officer):
    province(app, client, agencies, make_officer)
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    client.login("thanhtra")
    page = client.get("/inspect/").get_data(as_text=True)
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(svgs) == 3 and "<script>" not in page and "cdn" not in page.lower()  # app.js only, no inline script
    rates, overdue, ages = (parse(s) for s in svgs)
    assert sorted(float(t.get("data-target")) for t in rates.iter(SVG + "line") if t.get("class") == "target") \
        == [0.95, 1.0]
    assert len([t for t in rates.iter(SVG + "text") if re.fullmatch(r"Q\d \d{4}\*?", t.text or "")]) == 8
    # open overdue by agency: agency a has two cases, agency b one letter
    assert list(overdue.iter(SVG + "a")) == []  # no link inside the image: they are in its table of numbers
    tables = re.findall(r'<table class="list compact" data-testid="chart-table">.*?</table>', page, re.S)
    bars = re.findall(r'<tr><td><a href="([^"]+)">', tables[0])
    assert len(bars) == 2 and all("only=y" in href.replace("&amp;", "&") for href in bars)
    assert len(re.findall(r"<tr><td>", tables[1])) == 5  # the ages: one row a bucket
    counts = [int(t.text) for t in ages.iter(SVG + "text") if t.get("font-weight") == "600"]
    assert len(counts) == 5 and sum(counts) == 6  # not closed on 27/11/2026 (the petition is not a kind asked)


# --- the overdue list --------------------------------------------------------------------

@pytest.fixture
def overdue_cases(app, agencies):
    app.config["TODAY"] = TODAY
    a, b, ca, cb = agencies["agency_a"], agencies["agency_b"], agencies["commune_a"], agencies["commune_b"]
    return {
        "A": letter(app, "complaint", a, ca, "2026-11-13"),           # 3 working days overdue
        "B": letter(app, "complaint", b, cb, "2026-08-03"),           # months overdue
        "C": letter(app, "complaint", a, ca, "2026-11-20"),           # due within 3 working days
        "D": letter(app, "complaint", a, ca, "2026-09-15", co_signers=5),  # a mass complaint
        "E": letter(app, "complaint", b, cb, "2025-10-01"),           # received over a year ago
        "F": letter(app, "complaint", "SO-XD", cb, "2026-11-02"),     # straight to a department
        "G": letter(app, "complaint", "SO-XD", cb, "2026-11-02", channel="forwarded"),
        "H": letter(app, "denunciation", "SO-XD", cb, "2026-11-02"),
        "I": letter(app, "complaint", a, ca, "2026-11-26"),           # 6 working days left: not listed
    }


def listed(client, query: str = "") -> set[str]:
    r = client.get("/inspect/overdue" + query)
    assert r.status_code == 200
    return set(re.findall(r'data-testid="case-row" data-code="(\w+)"', r.get_data(as_text=True)))


def test_overdue_list_filters(app, client, agencies, make_officer, overdue_cases):
    c = overdue_cases
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    client.login("thanhtra")

    def codes(*names):
        return {c[n] for n in names}
    assert listed(client) == codes("A", "B", "C", "D", "E", "F", "G", "H")
    assert listed(client, "?band=soon") == codes("C")
    assert listed(client, "?band=overdue") == codes("A", "B", "D", "E", "F", "G", "H")
    assert listed(client, "?band=1-10") == codes("A")
    assert listed(client, "?band=11-30") == codes("F", "G", "H")
    assert listed(client, "?band=31%2B") == codes("B", "D", "E")
    assert listed(client, f"?agency={agencies['agency_a']}") == codes("A", "C", "D")
    assert listed(client, f"?commune={agencies['commune_b']}") == codes("B", "E", "F", "G", "H")
    assert listed(client, "?kind=denunciation") == codes("H")
    assert listed(client, "?mass=y") == codes("D")
    assert listed(client, "?long_running=y") == codes("E")
    assert listed(client, "?skipped_level=y") == codes("F")
    assert listed(client, "?agency=SO-XD&band=11-30&kind=complaint") == codes("F", "G")
    page = client.get("/inspect/overdue").get_data(as_text=True)
    assert "Nguyễn Văn An" not in page and "approximation" in page
    # the most overdue first
    order = re.findall(r'data-testid="case-row" data-code="(\w+)"', page)
    assert order[0] == c["E"] and order[-1] == c["C"]


def test_overdue_list_is_one_query_whatever_the_rows(app, client, agencies, make_officer):
    app.config["TODAY"] = TODAY
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    client.login("thanhtra")

    def statements(url: str) -> int:
        seen = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)
        with app.app_context():
            engine = db.engine
        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    for i in range(2):
        letter(app, "complaint", agencies["agency_a"], agencies["commune_a"], "2026-10-01", co_signers=5 * i)
    urls = ("/inspect/overdue", "/inspect/cases?figure=letters_received")
    for url in urls:  # the first request of a process reads the reference data (services/refdata.py)
        statements(url)
    few = {url: statements(url) for url in urls}
    for i in range(12):
        letter(app, "complaint" if i % 2 else "denunciation", agencies["agency_b"], agencies["commune_b"],
               "2026-09-01", co_signers=5 * (i % 3 == 0))
    assert len(listed(client)) == 14
    for url, n in few.items():
        # the signed-in user, the filter choices, the calendar, the list: never one per row
        assert statements(url) == n <= 10, (url, n)
