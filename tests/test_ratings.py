"""Satisfaction: the filer rates a closed case; a poor rating asks for a review."""
from __future__ import annotations

import re
from datetime import date

from petitions.extensions import db
from petitions.models import Case, Notification, Rating
from petitions.services.ratings import satisfaction

from .conftest import Client, valid_letter
from .test_officer_api import event, token_for


def _closed_petition(client, app, agencies, make_officer):
    from petitions.models import User
    uid = make_officer("chutich", ["head"], agencies["agency_a"])
    with app.app_context():
        db.session.get(User, uid).email = "chutich@example.org"
        db.session.commit()
    app.config["TODAY"] = date(2026, 8, 3)
    out = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).get_json()
    head = token_for(app, "chutich")
    app.config["TODAY"] = date(2026, 8, 20)
    event(client, head, out["tracking_code"], "accept", "2026-08-04")
    event(client, head, out["tracking_code"], "answer", "2026-08-10", answer="Đã sửa đường.")
    return out, head


def _rating_form(page: str) -> dict:
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.split('data-testid="rating"')[1])
    return {"csrf_token": token.group(1)}


def test_rating_only_once_the_case_is_closed_then_a_poor_rating_asks_for_review(client, app, agencies,
                                                                                 make_officer, smtp, run_worker):
    out, head = _closed_petition(client, app, agencies, make_officer)
    code, key = out["tracking_code"], out["access_key"]
    page = client.submit("/track", {"code": code, "key": key}).get_data(as_text=True)
    assert 'data-testid="rating"' not in page  # answered, not closed yet
    event(client, head, code, "close", "2026-08-11")
    page = client.submit("/track", {"code": code, "key": key}).get_data(as_text=True)
    assert 'data-testid="rating"' in page
    data = {**_rating_form(page), "code": code, "key": key, "outcome": "2", "service": "4",
            "comment": "Đường sửa chưa xong."}
    bad = client.post("/track/rate", data={**data, "outcome": ""})
    assert bad.status_code == 422
    r = client.post("/track/rate", data=data)
    assert r.status_code == 200 and "Xin cảm ơn" in r.get_data(as_text=True)
    # the filer sees their own rating, and that the review is asked and when it is due
    assert "Kết quả 2/5, thái độ phục vụ 4/5" in r.get_data(as_text=True)
    assert "Hạn trả lời: 07/09/2026." in r.get_data(as_text=True)
    again = client.post("/track/rate", data=data)
    assert again.status_code in (404, 422)
    with app.app_context():
        rating = db.session.scalar(db.select(Rating))
        # a 2 asks for a review: the head answers within 10 working days from Thu 20/8/2026:
        # 21, Sat 22 (a make-up working day for the 31/8 day off), 24-28, then 31/8, 1/9, 2/9 off,
        # 3, 4, 7/9 -> Mon 7/9/2026
        assert rating.wants_review and rating.review_due_on == date(2026, 9, 7)
        assert db.session.scalar(db.select(Notification.kind).where(Notification.kind == "review_request"))
    # wrong key: no rating
    assert client.post("/track/rate", data={**data, "key": "ZZZZZZZZ"}).status_code == 404
    run_worker()
    review_mails = [m for m in smtp.messages if m["to"] == ["chutich@example.org"]]
    assert len(review_mails) == 1 and "2/5" in review_mails[0]["body"]
    # the head answers the review; the filer sees it on the status page
    officer = Client(app)
    officer.login("chutich")
    r = officer.post(f"/officer/cases/{code}/review", data={"csrf_token": officer.csrf(f"/officer/cases/{code}"),
                                                              "answer": "UBND phường sẽ hoàn thành trong tháng 9."})
    assert r.status_code == 302
    status = client.get(f"/api/v1/cases/{code}", headers={"X-Access-Key": key}).get_json()
    assert status["history"][-1]["event"] == "answer_review"
    assert status["history"][-1]["detail"] == "UBND phường sẽ hoàn thành trong tháng 9."
    # and on the status page, with its text (it was stored where the page did not look)
    page = client.submit("/track", {"code": code, "key": key}).get_data(as_text=True)
    assert re.search(r'data-testid="review-answer">UBND phường sẽ hoàn thành trong tháng 9\.<', page)


def test_satisfaction_rate_counts_only_rated_closed_cases(client, app, agencies, make_officer):
    out, head = _closed_petition(client, app, agencies, make_officer)
    event(client, head, out["tracking_code"], "close", "2026-08-11")
    with app.app_context():
        from petitions.services.ratings import rate_case
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == out["tracking_code"]))
        rate_case(case, 5, 4, None, False, date(2026, 8, 20))
        db.session.commit()
        s = satisfaction(date(2026, 1, 1), date(2026, 12, 31))
        assert (s.ratings, s.satisfied, s.rate) == (1, 1, 1.0)
        assert satisfaction(date(2025, 1, 1), date(2025, 12, 31)).ratings == 0


def test_satisfaction_in_the_stats_api(client, app, agencies, make_officer):
    out, head = _closed_petition(client, app, agencies, make_officer)
    event(client, head, out["tracking_code"], "close", "2026-08-11")
    with app.app_context():
        from petitions.services.ratings import rate_case
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == out["tracking_code"]))
        rate_case(case, 3, 5, None, False, date(2026, 8, 20))
        db.session.commit()
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    r = client.get("/api/v1/stats/target4?from=2026-01-01&to=2026-12-31&kinds=petition",
                   headers=token_for(app, "thanhtra"))
    assert r.get_json()["satisfaction"] == {"ratings": 1, "satisfied": 0, "rate": 0.0, "target": 0.9}
