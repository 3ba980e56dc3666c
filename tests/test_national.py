"""The national database sync (issue 19): each case's events go through the outbox to a local
server playing the national side, with outages, slow answers and refused records; replays in
order per case, nothing lost, nothing doubled, a reconciliation report, and no personal data."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from petitions.extensions import db
from petitions.models import Case, Notification, User
from petitions.models.types import utcnow
from petitions.services import outbox
from petitions.services.workflow import apply_transition

from .conftest import valid_letter
from .gateway_servers import NationalServer


@pytest.fixture
def national(app):
    server = NationalServer().start()
    app.config.update(NATIONAL_URL=server.url, NATIONAL_TOKEN="test-national-token", NATIONAL_TIMEOUT=1.0,
                      NATIONAL_AGENCY_CODES=json.dumps({"UBND-TINH": "40.000.000"}),
                      NATIONAL_OUTCOME_CODES="")
    yield server
    server.stop()
    app.config.update(NATIONAL_URL="", NATIONAL_TOKEN="", NATIONAL_TIMEOUT=15.0, NATIONAL_AGENCY_CODES="")


def file(client, app, agencies, kind="complaint", **extra) -> str:
    app.config["TODAY"] = date(2026, 8, 3)
    body = valid_letter(kind, agencies["commune_a"], **extra)
    body["petitioner"].pop("email")  # the filer's mails are not what this tests
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["tracking_code"]


def accept(app, code: str, on=date(2026, 8, 4)):
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        head = db.session.scalar(db.select(User).where(User.username == "chutich"))
        apply_transition(case, "accept", head, on, {}, today=on)
        db.session.commit()


def national_ids() -> list[int]:
    return list(db.session.scalars(db.select(Notification.id).where(Notification.channel == "national")
                                   .order_by(Notification.id)))


def pass_time():
    """The back-offs run out."""
    for note in db.session.scalars(db.select(Notification).where(Notification.status == "failed")):
        note.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_events_are_replayed_in_order_per_case_after_an_outage(client, app, agencies, make_officer, national,
                                                                run_worker):
    make_officer("chutich", ["head"], agencies["agency_a"])
    national.down = True
    codes = [file(client, app, agencies) for _ in range(2)]
    for code in codes:
        accept(app, code)
    with app.app_context():
        ids = national_ids()
        assert len(ids) == 4
        # the outage: only each case's first record is tried; the later ones wait behind it
        assert outbox.deliver(ids) == {"failed": 2, "skipped": 2}
        attempts = [db.session.get(Notification, i).attempts for i in ids]
        assert sorted(attempts) == [0, 0, 1, 1]
        pass_time()
        assert outbox.deliver(outbox.due(utcnow())) == {"failed": 2}  # still down; the rest wait
        national.down = False
        national.script = [("slow", 2.0)]  # the first record after the outage: accepted, answered late
        pass_time()
        first = outbox.deliver(outbox.due(utcnow()))
        assert first == {"failed": 1, "sent": 1}, first
        run_worker()  # the queued jobs: the other case's next record goes; the slow one's waits behind it
        assert [db.session.get(Notification, i).status for i in ids].count("sent") == 2
        pass_time()
        assert outbox.deliver(outbox.due(utcnow())) == {"sent": 1}  # 409: it had been recorded, once
        run_worker()  # and its case's next record follows
        db.session.expire_all()
        assert {n.status for n in db.session.scalars(db.select(Notification).where(
            Notification.channel == "national"))} == {"sent"}
    assert national.out_of_order == []
    assert len(national.delivered) == 4
    assert sorted((d["case_code"], d["sequence"], d["event"]) for d in national.delivered) == sorted(
        [(c, 1, "receive") for c in codes] + [(c, 2, "accept") for c in codes])
    for received in (d for d in national.delivered if d["event"] == "receive"):  # written in one statement
        assert received["commune"] == agencies["commune_a"] and received["receiving_agency"], received
    record = next(d for d in national.delivered if d["event"] == "accept")
    assert record["kind"] == "KN" and record["status"] == "accepted" and record["event_date"] == "2026-08-04"
    assert record["commune"] == agencies["commune_a"] and record["received_on"] == "2026-08-03"


def test_a_refused_record_is_reported_and_the_report_says_what_differs(client, app, agencies, make_officer,
                                                                         national):
    make_officer("chutich", ["head"], agencies["agency_a"])
    refused, waiting, fine = (file(client, app, agencies) for _ in range(3))
    national.reject = {refused}
    with app.app_context():
        assert outbox.deliver(national_ids()) == {"dead": 1, "sent": 2}
    national.reject = set()
    accept(app, refused)
    accept(app, fine)
    with app.app_context():
        assert outbox.deliver(national_ids()) == {"sent": 2, "skipped": 3}  # 3 done before
    national.down = True
    accept(app, waiting)
    with app.app_context():
        outbox.deliver(national_ids())
    result = app.test_cli_runner().invoke(args=["national", "report"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "sent: 4" in out and "retrying: 1" in out and "refused: 1" in out
    assert f"{refused} #1 receive: national database refused the record: HTTP 422 unknown commune code" in out
    assert f"{waiting}: here accepted, national database received" in out
    assert fine not in out
    # the refused record does not hold the case's later ones: its acceptance went through
    assert (refused, 2, "accept") in {(d["case_code"], d["sequence"], d["event"]) for d in national.delivered}


def test_a_denunciation_record_carries_no_personal_data(client, app, agencies, national):
    name, id_number, phone, address = "Trần Thị Bích Ngọc", "040198765432", "0987654321", "Số 9 ngõ 4 Phan Đình Phùng"
    body = valid_letter("denunciation", agencies["commune_a"],
                        title=f"Tố cáo cán bộ địa chính, tôi là {name}",
                        content=f"Tôi là {name}, CCCD {id_number}, điện thoại {phone}, ở {address}, tố cáo ...")
    body["petitioner"].update(full_name=name, id_number=id_number, phone=phone, address=address)
    body["petitioner"].pop("email")
    app.config["TODAY"] = date(2026, 8, 3)
    assert client.post("/api/v1/cases", json=body).status_code == 201
    petition = file(client, app, agencies, kind="petition", title="Đường xóm 3 ngập nước, nhờ Nguyễn Văn An báo")
    with app.app_context():
        outbox.deliver(national_ids())
    assert len(national.delivered) == 2
    from petitions.services.notices import unaccented
    for record in national.delivered:
        text = unaccented(json.dumps(record, ensure_ascii=False)).lower()
        for secret in (name, id_number, phone, address, "địa chính", "Nguyễn Văn An", "040123456789"):
            assert unaccented(secret).lower() not in text, (secret, record)
    denunciation = next(r for r in national.delivered if r["kind"] == "TC")
    assert denunciation["summary"] is None
    other = next(r for r in national.delivered if r["case_code"] == petition)
    assert other["summary"].startswith("Đường xóm 3 ngập nước")  # a petition's subject, its filer blacked out
