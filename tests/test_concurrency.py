"""Two officers act on the same case at once: exactly one wins, the other is told."""
from __future__ import annotations

import re
import threading
from datetime import date

from petitions.extensions import db
from petitions.models import Case, CaseEvent, User
from petitions.services.workflow import ConflictError, apply_transition

from .conftest import Client, valid_letter


def _file(client, app, agencies) -> str:
    app.config["TODAY"] = date(2026, 8, 3)
    return client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).get_json()["tracking_code"]


def test_two_threads_accepting_at_once_one_wins(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    make_officer("tiepdan2", ["reception"], agencies["agency_a"])
    code = _file(client, app, agencies)
    barrier = threading.Barrier(2, timeout=20)
    results: dict[str, str] = {}

    def work(username: str):
        with app.app_context():
            try:
                case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
                user = db.session.scalar(db.select(User).where(User.username == username))
                case.deadlines, case.commune  # read everything before the race
                barrier.wait()
                apply_transition(case, "accept", user, date(2026, 8, 4), {}, today=date(2026, 8, 4),
                                 expected_version=case.version)
                db.session.commit()
                results[username] = "won"
            except ConflictError as error:
                results[username] = str(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(u,)) for u in ("tiepdan", "tiepdan2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results.values(), key=len)[0] == "won", results
    lost = [v for v in results.values() if v != "won"]
    assert len(lost) == 1 and "Someone else changed this case" in lost[0]
    with app.app_context():
        events = db.session.scalars(db.select(CaseEvent.event).join(Case).where(Case.tracking_code == code)).all()
        assert events == ["receive", "accept"]
        assert db.session.scalar(db.select(Case.status).where(Case.tracking_code == code)) == "accepted"


def test_second_officer_with_a_stale_page_gets_a_clear_message(client, app, agencies, make_officer):
    """Two heads open "assign a handler" on the same version; the second to confirm is told."""
    for name, roles in (("chutich", ["head"]), ("phochutich", ["head"]), ("thuly", ["handler"]),
                        ("thuly2", ["handler"])):
        make_officer(name, roles, agencies["agency_a"])
    code = _file(client, app, agencies)
    app.config["TODAY"] = date(2026, 8, 4)
    a, b = Client(app), Client(app)
    a.login("chutich")
    b.login("phochutich")
    accept = f"/officer/cases/{code}/actions/accept"
    html = a.get(accept).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    assert a.submit(accept, {"act_date": "2026-08-04", "version": version}).status_code == 302
    url = f"/officer/cases/{code}/actions/assign"
    forms = []
    for c, handler in ((a, "thuly"), (b, "thuly2")):
        html = c.get(url).get_data(as_text=True)
        forms.append({"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1),
                      "version": re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1),
                      "act_date": "2026-08-04", "f_handler": handler})
    assert forms[0]["version"] == forms[1]["version"]
    assert a.post(url, data=forms[0]).status_code == 302
    r = b.post(url, data=forms[1])
    assert r.status_code == 409
    assert "Someone else changed this case" in r.get_data(as_text=True) or \
        "Người khác" in r.get_data(as_text=True)
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        assert case.handler.username == "thuly"
        assert [e.event for e in case.events] == ["receive", "accept", "assign"]
