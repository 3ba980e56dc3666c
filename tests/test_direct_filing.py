"""A public filing's rows written in one statement (issue 18, services/newcase.py) are the
rows the ORM's unit of work writes for the same letter: compared column by column, on
SQLite and PostgreSQL, for every kind, with co-signers, anonymous, a denunciation, a filer
told by SMS; the summary rows move the same way; the receipt whose words are made when it
is sent says what the receipt written at once says, and reaches the filer's mailbox."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect

from petitions.extensions import db

# columns that differ between two filings of the same letter by nature
VARYING = {"id", "case_id", "tracking_code", "access_key_hash", "received_at", "recorded_at", "created_at",
           "uploaded_at", "search_text", "idempotency_key", "subject", "body", "data", "id_number_digest"}


def _submission(agencies, kind: str, **extra):
    from petitions.services import refdata
    from petitions.services.intake import Submission
    from petitions.workflow.states import Channel, Kind
    commune = refdata.commune_by_code(agencies["commune_a"])
    petitioner = {"full_name": "Trần Thị Bình", "id_number": "040123456789", "phone": "0912 345 678",
                  "email": "binh@example.org", "address": "Số 2 đường Trần Phú"}
    values = dict(kind=Kind(kind), title="Đơn của bà Trần Thị Bình về việc cấp đất",
                  content="Nội dung đơn đủ dài, nêu rõ sự việc và yêu cầu giải quyết của người viết đơn.",
                  channel=Channel.WEB, received_on=date(2026, 12, 4), agency=refdata.committee_of(commune),
                  commune=commune, respondent="Quyết định số 12/QĐ-UBND", petitioner=petitioner)
    values.update(extra)
    return Submission(**values)


def _row(obj) -> dict:
    return {a.key: getattr(obj, a.key) for a in inspect(type(obj)).column_attrs if a.key not in VARYING}


def _snapshot(case_id: int) -> dict:
    from petitions.models import Case, CaseEvent, Deadline, Notification, Party
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    return {
        "case": _row(case),
        "parties": [_row(p) for p in db.session.scalars(db.select(Party).where(Party.case_id == case_id)
                                                         .order_by(Party.position))],
        "deadlines": [_row(d) for d in db.session.scalars(db.select(Deadline).where(Deadline.case_id == case_id)
                                                           .order_by(Deadline.step))],
        "events": [_row(e) for e in db.session.scalars(db.select(CaseEvent).where(CaseEvent.case_id == case_id))],
        "outbox": [_row(n) for n in db.session.scalars(db.select(Notification).where(Notification.case_id == case_id))],
        "search_words": sorted(set(case.search_text.split()) - {case.tracking_code.lower()}),
    }


def _summaries() -> dict:
    from sqlalchemy import text

    from petitions.services.summaries import KEY, MEASURES
    return {tuple(r[:len(KEY)]): tuple(r[len(KEY):])
            for r in db.session.execute(text(f"SELECT {', '.join((*KEY, *MEASURES))} FROM report_days"))}


def _file(sub, direct: bool) -> int:
    from petitions.services.intake import submit_case
    before = _summaries()
    case, _key = submit_case(sub, code_checked=False, direct=direct)
    db.session.commit()
    after = _summaries()
    moved = {k: tuple(a - b for a, b in zip(after.get(k, (0,) * len(v)), before.get(k, (0,) * len(v))))
             for k, v in after.items()}
    return case.id, {k: v for k, v in moved.items() if any(v)}


CASES = {
    "complaint": dict(kind="complaint"),
    "denunciation": dict(kind="denunciation", respondent="Cán bộ địa chính xã"),
    "petition": dict(kind="petition", respondent=None),
    "joint, five signers": dict(kind="complaint", co_signers=[
        {"full_name": f"Người ký {i}", "id_number": f"04012345670{i}", "phone": "", "email": "",
         "address": "Xóm 3", "role": "representative" if i == 1 else "co_signer"} for i in range(1, 5)]),
    "anonymous": dict(kind="petition", petitioner={}, is_anonymous=True, respondent=None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_one_statement_writes_the_rows_the_unit_of_work_writes(app, agencies, name):
    with app.test_request_context():
        orm_id, orm_moved = _file(_submission(agencies, **CASES[name]), direct=False)
        direct_id, direct_moved = _file(_submission(agencies, **CASES[name]), direct=True)
        orm, direct = _snapshot(orm_id), _snapshot(direct_id)
        assert direct == orm
        assert direct_moved == orm_moved and direct_moved  # the same summary rows, moved once
        if name == "denunciation":
            assert direct["case"]["confidential"] is True
        assert direct["case"]["next_due_on"] == min(d["due_on"] for d in direct["deadlines"]
                                                    if d["completed_on"] is None and d["step"] != "second-time-filing")


def test_the_receipt_said_when_sent_is_the_receipt_written_at_once(app, agencies, smtp, run_worker):
    """The direct filing's receipt row has no words until its sender makes them; they are the
    words the unit-of-work path writes at filing (the title with the filer's name blacked
    out), and the mail reaches the filer's mailbox."""
    from petitions.models import Notification
    from petitions.services.intake import submit_case
    with app.test_request_context():
        kept, _ = submit_case(_submission(agencies, "complaint"), code_checked=False)
        db.session.commit()
        at_once = db.session.scalar(db.select(Notification).where(Notification.case_id == kept.id))
        direct, _ = submit_case(_submission(agencies, "complaint"), code_checked=False, direct=True)
        db.session.commit()
        waiting = db.session.scalar(db.select(Notification).where(Notification.case_id == direct.id))
        assert waiting.body == "" and waiting.status == "pending"
        expected_subject = at_once.subject.replace(kept.tracking_code[:5], direct.tracking_code[:5]) \
            .replace(kept.tracking_code[5:], direct.tracking_code[5:])
        expected_body = at_once.body.replace(kept.tracking_code[:5], direct.tracking_code[:5]) \
            .replace(kept.tracking_code[5:], direct.tracking_code[5:])
    run_worker()
    with app.app_context():
        sent = db.session.get(Notification, waiting.id)
        assert sent.status == "sent"
        assert (sent.subject, sent.body) == (expected_subject, expected_body)
        assert "Trần Thị Bình" not in sent.body and "Bình" not in sent.subject
    mails = [m for m in smtp.messages if direct.tracking_code[:5] in m["body"]]
    assert len(mails) == 1 and mails[0]["to"] == ["binh@example.org"]
    assert mails[0]["body"].strip() == expected_body.strip()


def test_a_filing_answered_201_is_on_the_officer_queue_and_the_tracking_page(app, client, agencies, make_officer):
    """What the citizen and the officer see of a letter written in one statement."""
    from .conftest import valid_letter
    r = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"]))
    assert r.status_code == 201
    answer = r.get_json()
    looked = client.get(f"/api/v1/cases/{answer['tracking_code']}", headers={"X-Access-Key": answer["access_key"]})
    assert looked.status_code == 200 and looked.get_json()["status"] == answer["status"]
    assert looked.get_json()["running_steps"][0]["due_on"] == answer["running_steps"][0]["due_on"]


def test_receipts_of_many_filings_go_out_with_one_job_each_time_the_worker_catches_up(app, client, agencies, smtp,
                                                                                      run_worker):
    """The kick (services/outbox.py): five filings queue one delivery job, which sends the five
    receipts; a filing after that job started queues the next one."""
    from rq import Queue

    from petitions.jobs import redis_connection

    from .conftest import valid_letter

    def queued():
        with app.app_context():
            return Queue(app.config["RQ_QUEUE"], connection=redis_connection()).job_ids

    codes = []
    for n in range(5):
        body = valid_letter("complaint", agencies["commune_a"])
        body["petitioner"] = dict(body["petitioner"], id_number=f"0402{n:08d}", email=f"nguoi{n}@example.org")
        r = client.post("/api/v1/cases", json=body)
        assert r.status_code == 201
        codes.append(r.get_json()["tracking_code"])
    assert len(queued()) == 1
    run_worker()
    assert sorted(m["to"][0] for m in smtp.messages) == [f"nguoi{n}@example.org" for n in range(5)]
    assert all(any(code[:5] in m["body"] for m in smtp.messages) for code in codes)
    r = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"]))
    assert r.status_code == 201 and len(queued()) == 1
    run_worker()
    assert len(smtp.messages) == 6 and r.get_json()["tracking_code"][:5] in smtp.messages[-1]["body"]


def test_the_kicked_job_skips_rows_it_may_not_claim_and_does_not_kick_itself_for_them(app, client, agencies):
    """A national record held behind an earlier failed record of its case is not "waiting":
    the kicked job neither takes it in its batch nor queues itself again for it (review)."""
    from datetime import timedelta

    from rq import Queue

    from petitions.jobs import redis_connection
    from petitions.models import Case, Notification
    from petitions.models.types import utcnow
    from petitions.services import outbox

    from .conftest import valid_letter
    body = valid_letter("complaint", agencies["commune_a"])
    body["petitioner"] = dict(body["petitioner"], email="")
    assert client.post("/api/v1/cases", json=body).status_code == 201
    with app.app_context():
        case_id = db.session.scalar(db.select(Case.id))
        held = [Notification(channel="national", idempotency_key=f"national:test:{n}", kind="national_sync",
                             case_id=case_id, subject="", body="", status=status, attempts=1 if n == 0 else 0,
                             next_attempt_at=utcnow() + timedelta(hours=1) if n == 0 else None)
                for n, status in enumerate(("failed", "pending", "pending"))]
        db.session.add_all(held)
        db.session.commit()
        assert outbox.waiting() == []
        queue = Queue(app.config["RQ_QUEUE"], connection=redis_connection())
        queue.empty()
        assert outbox.deliver_waiting(limit=2) == {}
        assert queue.job_ids == []
        assert {n.status for n in db.session.scalars(db.select(Notification))} == {"failed", "pending"}


def test_a_public_filing_commits_its_one_statement_by_itself_on_postgresql(app, client, agencies):
    """PostgreSQL: the filing's one statement runs in autocommit (no BEGIN, no COMMIT round
    trip); the letter is stored and shown to its filer. SQLite: in its transaction as before."""
    from sqlalchemy import event

    from .conftest import BACKEND, valid_letter
    seen = []

    def record(conn, cursor, statement, params, context, executemany):
        if "INSERT INTO cases" in statement:
            seen.append((db.session.info.get("petitions_written_alone", False),
                         getattr(conn.connection.dbapi_connection, "autocommit", None)))
    with app.app_context():
        engine = db.engine
    # the first filing after the reference data changed reads it (the tests' clean-up changes
    # the calendar): that statement joins the read's transaction (the last test below)
    assert client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).status_code == 201
    event.listen(engine, "before_cursor_execute", record)
    try:
        r = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"]))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert r.status_code == 201
    assert seen == ([(True, True)] if BACKEND == "postgresql" else [(False, None)])
    answer = r.get_json()
    looked = client.get(f"/api/v1/cases/{answer['tracking_code']}", headers={"X-Access-Key": answer["access_key"]})
    assert looked.status_code == 200 and looked.get_json()["tracking_code"] == answer["tracking_code"]
    with app.app_context():  # the pooled connection is back in transactions for the next request
        from sqlalchemy import text
        raw = db.engine.raw_connection()
        try:
            assert getattr(raw.dbapi_connection, "autocommit", False) is False
        finally:
            raw.close()
        assert db.session.execute(text("SELECT count(*) FROM cases")).scalar() == 2


def test_a_write_promised_alone_refuses_a_later_change_in_its_transaction(app, agencies):
    from petitions.models import AuditLog, Case
    from petitions.services.intake import submit_case

    from .conftest import BACKEND
    with app.test_request_context():  # the reference data read once (the next request reads nothing)
        submit_case(_submission(agencies, "complaint"), code_checked=False, direct=True)
        db.session.rollback()
    with app.test_request_context():
        case, _key = submit_case(_submission(agencies, "complaint"), code_checked=False, direct=True, alone=True)
        db.session.add(AuditLog(user_id=None, action="test", object_type="case", object_id=case.id, details={}))
        if BACKEND == "postgresql":
            with pytest.raises(RuntimeError, match="alone=False"):
                db.session.flush()
            db.session.rollback()
            # the letter was committed by its own statement; the refused change was not
            assert db.session.get(Case, case.id) is not None
            assert db.session.scalar(db.select(db.func.count()).select_from(AuditLog)
                                     .where(AuditLog.action == "test")) == 0
        else:  # SQLite: one transaction as before, the flush joins it
            db.session.flush()
            db.session.rollback()
            assert db.session.get(Case, case.id) is None


def test_a_write_after_a_read_stays_in_its_transaction(app, agencies):
    """Reference data read cold, or anything else read first: the statement joins the open
    transaction, and a rollback takes the letter back with the rest."""
    from sqlalchemy import text

    from petitions.models import Case
    from petitions.services.intake import submit_case
    with app.test_request_context():
        db.session.execute(text("SELECT 1"))
        case, _key = submit_case(_submission(agencies, "petition", respondent=None), code_checked=False,
                                 direct=True, alone=True)
        assert not db.session.info.get("petitions_written_alone")
        db.session.rollback()
        assert db.session.get(Case, case.id) is None


def test_a_pending_change_keeps_the_filing_in_its_transaction(app, agencies):
    """Objects waiting for a flush (no connection taken yet) would be committed apart from the
    letter: the statement joins the transaction instead, and one commit stores both."""
    from petitions.models import AuditLog, Case
    from petitions.services.intake import submit_case
    with app.test_request_context():  # the reference data read once
        submit_case(_submission(agencies, "complaint"), code_checked=False, direct=True)
        db.session.rollback()
    with app.test_request_context():
        db.session.add(AuditLog(user_id=None, action="test_pending", object_type="case", object_id=None, details={}))
        case, _key = submit_case(_submission(agencies, "complaint"), code_checked=False, direct=True, alone=True)
        assert not db.session.info.get("petitions_written_alone")
        db.session.commit()
        assert db.session.get(Case, case.id) is not None
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "test_pending")) == 1
