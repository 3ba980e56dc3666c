"""The public statistics page (no sign-in, no personal data, no misleading small rates)
and the target 4 figures in the officers' API."""
from __future__ import annotations

import re
from datetime import date

from petitions.extensions import db
from petitions.models import Agency
from petitions.services.exports import name_key
from petitions.services.reports import FIGURES, Scope, agency_tree, target4

from .test_exports import PERSONAL, Q3, TODAY, province  # noqa: F401 - a fixture
from .test_officer_api import event, token_for
from .conftest import valid_letter

Q3_DATES = "from=2026-06-15&to=2026-09-14"


def _agency_names(page: str) -> list[str]:
    block = page.split('data-testid="agencies"', 1)[1]
    return re.findall(r"<h3[^>]*>([^<]+)</h3>", block)


def test_statistics_page_is_public_and_shows_no_rate_over_few_cases(client, app, agencies, province):
    app.config["TODAY"] = TODAY
    r = client.get("/statistics")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    # 8 letters and 5 cases in the whole province: fewer than PUBLIC_MIN_COUNT (10)
    assert page.count('data-testid="too-few"') == 2 * 3  # two rates for the province and each of two agencies
    assert "%</strong>" not in page
    assert "Reporting year 2026" in page or "2026" in page
    with app.app_context():
        names = dict(db.session.execute(db.select(Agency.code, Agency.name)).all())
    listed = _agency_names(page)
    assert listed == sorted([names[agencies["agency_a"]], names[agencies["agency_b"]]], key=name_key)
    assert not [p for p in PERSONAL if p in page]
    assert not [code for code in province.values() if code in page or code[:5] in page]
    assert "/auth/login" not in r.headers.get("Location", "")


def test_statistics_page_shows_rates_over_enough_cases_and_lists_alphabetically(client, app, agencies,
                                                                                 make_officer, monkeypatch):
    make_officer("chutich.a", ["head"], agencies["agency_a"])
    app.config["TODAY"] = date(2026, 8, 3)
    codes = [client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()[
        "tracking_code"] for _ in range(10)]
    client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_b"]))  # not a target 4 kind
    app.config["TODAY"] = date(2026, 8, 20)
    head = token_for(app, "chutich.a")
    for code in codes[:9]:
        event(client, head, code, "accept", "2026-08-05")
    # the tenth stays unhandled past its 10 working days (due 17/08): 9 of 10 on time
    page = client.get("/statistics?year=2026").get_data(as_text=True)
    assert page.count("<strong>90%</strong>") == 2  # handled on time, over 10 letters: province and agency
    # 9 cases to resolve: too few for the resolution rate
    assert page.count('data-testid="too-few"') == 2
    with app.app_context():
        names = dict(db.session.execute(db.select(Agency.code, Agency.name)).all())
    assert _agency_names(page) == [names[agencies["agency_a"]]]  # the petition is not a target 4 letter
    # the threshold is a setting
    monkeypatch.setitem(app.config, "PUBLIC_MIN_COUNT", 9)
    page = client.get("/statistics").get_data(as_text=True)
    assert page.count('data-testid="too-few"') == 0 and page.count("<strong>0%</strong>") == 2
    monkeypatch.setitem(app.config, "PUBLIC_MIN_COUNT", 20)
    page = client.get("/statistics").get_data(as_text=True)
    assert page.count('data-testid="too-few"') == 4 and "90%" not in page
    # an unknown year falls back to the current one
    assert client.get("/statistics?year=1990").status_code == 200


def test_api_returns_every_figure_and_both_rates(client, app, agencies, province):
    headers = token_for(app, "thanhtra")
    r = client.get(f"/api/v1/stats/target4?{Q3_DATES}", headers=headers)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    with app.app_context():
        report = target4(Q3)
        want = report.as_dict()
    assert body["figures"] == {name: want[name] for name in FIGURES}
    assert body["rates"] == {"on_time_rate": want["on_time_rate"], "resolution_rate": want["resolution_rate"]}
    assert body["rates"]["on_time_rate"] == 0.5 and body["figures"]["letters_received"] == 5
    assert body["period"] == {"from": "2026-06-15", "to": "2026-09-14", "kind": "custom", "year": 2026,
                              "as_of": "2026-09-14"}
    assert body["scope"]["agency"] is None and body["scope"]["agencies"] is None
    assert body["scope"]["kinds"] == ["complaint", "denunciation"]

    # an agency and those under it; a reporting period instead of dates
    r = client.get(f"/api/v1/stats/target4?period=q3&year=2026&agency={agencies['agency_b']}", headers=headers)
    body = r.get_json()
    assert r.status_code == 200 and body["scope"]["agency"] == agencies["agency_b"]
    assert body["scope"]["agencies"] == [agencies["agency_b"]]
    assert body["figures"]["letters_received"] == 1 and body["figures"]["verdict_partly_correct"] == 1

    # the dashboard's spelling of the same parameters; an agency alone, without those under it
    r = client.get("/api/v1/stats/target4?period=custom&date_from=2026-06-15&date_to=2026-09-14&agency=UBND-TINH"
                   "&only=y&kind=complaint", headers=headers)
    body = r.get_json()
    assert r.status_code == 200 and body["scope"]["agencies"] == ["UBND-TINH"]
    assert body["scope"]["kinds"] == ["complaint"] and body["figures"]["letters_received"] == 0
    assert body["period"]["from"] == "2026-06-15" and body["period"]["kind"] == "custom"


def test_api_keeps_agency_officers_to_their_own_agency(client, app, agencies, province):
    with app.app_context():
        own = agency_tree(db.session.scalar(db.select(Agency.id).where(Agency.code == agencies["agency_a"])))
        want = target4(Scope(Q3.start, Q3.end, TODAY, own)).as_dict()
    for officer in ("chutich.a", "thuly.a"):  # a head, and a handler: agency officers
        headers = token_for(app, officer)
        r = client.get(f"/api/v1/stats/target4?{Q3_DATES}", headers=headers)
        assert r.status_code == 200
        assert r.get_json()["scope"]["agency"] == agencies["agency_a"]
        assert r.get_json()["figures"]["letters_received"] == want["letters_received"] == 4
        refused = client.get(f"/api/v1/stats/target4?{Q3_DATES}&agency={agencies['agency_b']}", headers=headers)
        assert refused.status_code == 403 and "agency" in refused.get_json()["errors"]
        assert client.get(f"/api/v1/stats/target4?{Q3_DATES}&agency=UBND-TINH", headers=headers).status_code == 403
    assert client.get(f"/api/v1/stats/target4?{Q3_DATES}").status_code == 401


def test_api_validates_its_parameters(client, app, agencies, province):
    headers = token_for(app, "thanhtra")
    for args, field in (("from=2026-02-30&to=2026-03-01", "from"), ("from=2026-06-15", "to"),
                        ("from=2026-09-14&to=2026-06-15", "to"), ("from=15/06/2026&to=2026-09-14", "from"),
                        ("period=q7&year=2026", "period"), ("period=q3&year=20x6", "year"),
                        (f"{Q3_DATES}&agency=NOPE", "agency"), (f"{Q3_DATES}&kinds=complaint,lawsuit", "kinds")):
        r = client.get(f"/api/v1/stats/target4?{args}", headers=headers)
        assert r.status_code == 422, args
        assert field in r.get_json()["errors"], (args, r.get_json())


def test_openapi_describes_the_stats_endpoint(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    get = doc["paths"]["/api/v1/stats/target4"]["get"]
    assert get["security"] == [{"officerToken": []}]
    assert {"200", "401", "403", "422"} <= set(get["responses"])
    schema = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]["figures"]["properties"]) == set(FIGURES)
    assert {p["name"] for p in get["parameters"]} >= {"from", "to", "agency", "kinds"}
