"""The public side under abuse: rate limits (per address, per citizen ID, failed look-ups),
the proof that a person filled the form (honeypot, timing, a question after repeats),
size limits with clear Vietnamese messages, and nothing typed lost when refused.

Real Redis for the limits (each test process has its own key prefix, emptied after each
test); the limits are tightened per test through the app's config."""
from __future__ import annotations

import io
import logging
import re
import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from petitions.extensions import db
from petitions.models import Case
from tests.conftest import form_fields, valid_letter

OTHER_ID = "040987654321"


@pytest.fixture
def limits(app, monkeypatch):
    """Set config keys for this test only (restored afterwards)."""
    def set_(**values):
        for key, value in values.items():
            monkeypatch.setitem(app.config, key, value)
    return set_


def count_cases(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Case))


def letter(agencies, id_number="040123456789", **extra):
    body = valid_letter("complaint", agencies["commune_a"], **extra)
    body["petitioner"] = {**body["petitioner"], "id_number": id_number}
    return body


def page_stamp(html: str) -> str:
    match = re.search(r'id="stamp" name="stamp" type="hidden" value="([^"]*)"', html) or \
        re.search(r'name="stamp" type="hidden" value="([^"]*)"', html)
    assert match, "no time stamp on the form"
    return match.group(1)


def old_stamp(app, seconds: int = 60) -> str:
    """A stamp as if the form had been shown ``seconds`` ago (signed with the app's key)."""
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="form-stamp").dumps(int(time.time()) - seconds)


def post_form(client, url, fields, **kw):
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post(url, data={"csrf_token": token, **fields}, **kw)


# --- rate limits -----------------------------------------------------------------------

def test_filing_limit_per_address_counts_received_letters_and_answers_429(client, app, agencies, limits):
    limits(RATELIMIT_FILING="2 per hour")
    bad = letter(agencies, title="")
    assert client.post("/api/v1/cases", json=bad).status_code == 422  # a mistake does not count
    assert client.post("/api/v1/cases", json=letter(agencies)).status_code == 201
    assert client.post("/api/v1/cases", json=letter(agencies, OTHER_ID)).status_code == 201
    r = client.post("/api/v1/cases", json=letter(agencies, "040111111111"))
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    message = r.get_json()["errors"]["_"][0]
    assert "quá nhiều" in message and "phút" in message
    assert count_cases(app) == 2
    # the web form shares the counter, and the refusal keeps what was typed
    fields = form_fields(letter(agencies, "040222222222", content="Nội dung riêng của lần gửi thứ tư, đủ dài."))
    r = post_form(client, "/file/complaint", fields)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    html = r.get_data(as_text=True)
    assert "Bạn đã gửi quá nhiều đơn" in html and "vui lòng thử lại sau" in html
    assert "Nội dung riêng của lần gửi thứ tư, đủ dài." in html
    assert count_cases(app) == 2
    # another address is not affected
    r = client.post("/api/v1/cases", json=letter(agencies, "040333333333"),
                    environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert r.status_code == 201


def test_filing_limit_per_citizen_id_across_addresses_and_id_never_stored_plain(client, app, agencies, limits):
    limits(RATELIMIT_FILING_ID="1 per day")
    assert client.post("/api/v1/cases", json=letter(agencies)).status_code == 201
    r = client.post("/api/v1/cases", json=letter(agencies), environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert r.status_code == 429, "the same ID number from another address is still limited"
    assert client.post("/api/v1/cases", json=letter(agencies, OTHER_ID),
                       environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 201
    # the counters hold a keyed hash, never the number
    import redis
    conn = redis.Redis.from_url(app.config["REDIS_URL"])
    keys = [k.decode() for k in conn.scan_iter(app.config["RATELIMIT_STORAGE_PREFIX"] + "*")]
    assert any("id:" in k for k in keys), keys
    assert not any("040123456789" in k or OTHER_ID in k for k in keys)


def test_ipv6_clients_are_counted_by_their_64(client, app, agencies, limits):
    limits(RATELIMIT_FILING="1 per hour")
    assert client.post("/api/v1/cases", json=letter(agencies),
                       environ_base={"REMOTE_ADDR": "2001:db8:1:2::10"}).status_code == 201
    assert client.post("/api/v1/cases", json=letter(agencies, OTHER_ID),
                       environ_base={"REMOTE_ADDR": "2001:db8:1:2:ffff::99"}).status_code == 429


def test_failed_lookups_are_throttled_per_address_before_the_lookup(client, app, agencies, limits):
    limits(RATELIMIT_FAILED_LOOKUP="3 per hour")
    made = client.post("/api/v1/cases", json=letter(agencies)).get_json()
    code, key = made["tracking_code"], made["access_key"]
    for guess in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC"):
        assert client.get(f"/api/v1/cases/{code}", headers={"X-Access-Key": guess}).status_code == 404
    r = client.get(f"/api/v1/cases/{code}", headers={"X-Access-Key": key})
    assert r.status_code == 429, "even the right key waits: guessing gains nothing"
    assert int(r.headers["Retry-After"]) > 60
    assert "không khớp" in r.get_json()["errors"]["_"][0]
    # the web look-up shares the counter and answers a Vietnamese page
    r = client.submit("/track", {"code": code, "key": key})
    assert r.status_code == 429 and "thử lại sau" in r.get_data(as_text=True)
    # another address looks up as usual; successes do not count as failures
    other = {"REMOTE_ADDR": "192.0.2.44"}
    for _ in range(5):
        assert client.get(f"/api/v1/cases/{code}", headers={"X-Access-Key": key},
                          environ_base=other).status_code == 200


def test_lookups_are_limited_per_address(client, app, agencies, limits):
    limits(RATELIMIT_LOOKUP="2 per hour")
    made = client.post("/api/v1/cases", json=letter(agencies)).get_json()
    headers = {"X-Access-Key": made["access_key"]}
    assert client.get(f"/api/v1/cases/{made['tracking_code']}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/cases/{made['tracking_code']}", headers=headers).status_code == 200
    r = client.get(f"/api/v1/cases/{made['tracking_code']}", headers=headers)
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert client.get("/track").status_code == 200, "the empty look-up form is not counted"


def test_redis_down_fails_open_with_a_logged_warning(app, agencies, caplog):
    """Without Redis the limits count in this process's memory; citizens can still file."""
    from petitions import create_app
    down = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret", "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        "REDIS_URL": "redis://127.0.0.1:1/0", "RATELIMIT_STORAGE_PREFIX": "down",
        "RATELIMIT_FILING": "2 per hour", "RATELIMIT_FAILED_LOOKUP": "2 per hour",
        "SQLITE_SYNCHRONOUS": "NORMAL", "MAIL_PORT": 1,
    })
    http = down.test_client()
    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        assert http.post("/api/v1/cases", json=letter(agencies)).status_code == 201
        assert http.post("/api/v1/cases", json=letter(agencies, OTHER_ID)).status_code == 201
        assert time.monotonic() - started < 5, "a dead Redis must not stall the form"
    assert any("unreachable" in r.getMessage() for r in caplog.records)
    # still limited, in memory
    assert http.post("/api/v1/cases", json=letter(agencies, "040444444444")).status_code == 429
    for guess in ("AAAAAAAA", "BBBBBBBB"):
        assert http.get("/api/v1/cases/ZZZZZZZZZZ", headers={"X-Access-Key": guess}).status_code == 404
    assert http.get("/api/v1/cases/ZZZZZZZZZZ", headers={"X-Access-Key": "C"}).status_code == 429


# --- proof of a person -----------------------------------------------------------------

def human_check(limits, **extra):
    limits(HUMAN_CHECK=True, FORM_MIN_SECONDS=3, FORM_MAX_AGE=24 * 3600, **extra)


CONTENT = "Gia đình tôi không đồng ý với quyết định thu hồi đất <b>nông nghiệp</b> của xã."


def test_honeypot_refuses_a_robot_and_keeps_the_text(client, app, agencies, limits):
    human_check(limits)
    html = client.get("/file/complaint").get_data(as_text=True)
    assert 'class="hp"' in html and 'name="website"' in html
    assert "style=" not in html, "hidden by the style sheet, not an inline style"
    fields = {**form_fields(letter(agencies, content=CONTENT)), "stamp": old_stamp(app), "website": "http://spam"}
    r = post_form(client, "/file/complaint", fields)
    assert r.status_code == 422 and count_cases(app) == 0
    page = r.get_data(as_text=True)
    assert 'data-testid="refusal"' in page
    assert "Gia đình tôi không đồng ý với quyết định thu hồi đất &lt;b&gt;nông nghiệp&lt;/b&gt;" in page
    assert 'name="website" tabindex="-1" type="text" value=""' in page or 'value="http://spam"' not in page
    fields["website"] = ""
    assert post_form(client, "/file/complaint", fields).status_code == 302
    assert count_cases(app) == 1


def test_a_form_sent_within_three_seconds_is_refused_and_nothing_is_lost(client, app, agencies, limits):
    human_check(limits)
    url = "/file/complaint"
    html = client.get(url).get_data(as_text=True)
    fields = {**form_fields(letter(agencies, content=CONTENT)), "stamp": page_stamp(html)}
    r = post_form(client, url, fields)
    assert r.status_code == 422 and count_cases(app) == 0
    page = r.get_data(as_text=True)
    assert "quá nhanh" in page
    assert "Gia đình tôi không đồng ý" in page and "Quyết định số 12/QĐ-UBND" in page
    # the person presses Send again later, with the fresh stamp of the page
    fields["stamp"] = old_stamp(app, 10)
    assert post_form(client, url, fields).status_code == 302 and count_cases(app) == 1


def test_a_form_older_than_a_day_has_expired_and_keeps_the_text(client, app, agencies, limits):
    human_check(limits)
    fields = {**form_fields(letter(agencies, content=CONTENT)), "stamp": old_stamp(app, 25 * 3600)}
    limits(FORM_MAX_AGE=-1)  # every stamp is already too old
    r = post_form(client, "/file/complaint", fields)
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and count_cases(app) == 0
    assert "hết hạn" in page and "Gia đình tôi không đồng ý" in page
    # a missing or forged stamp is treated the same way, never as accepted
    limits(FORM_MAX_AGE=24 * 3600)
    assert post_form(client, "/file/complaint", {**fields, "stamp": "forged"}).status_code == 422
    fields.pop("stamp")
    assert post_form(client, "/file/complaint", fields).status_code == 422
    assert count_cases(app) == 0


WORDS = {"không": 0, "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}


def solve(question: str) -> int:
    m = re.fullmatch(r"(\w+) (cộng|trừ) (\w+) bằng mấy\?", question.strip().lower())
    assert m, question
    a, b = WORDS[m.group(1)], WORDS[m.group(3)]
    return a + b if m.group(2) == "cộng" else a - b


def question_and_token(html: str) -> tuple[str, str]:
    q = re.search(r'<label for="challenge_answer">([^<]+)</label>', html)
    t = re.search(r'name="challenge_token" type="hidden" value="([^"]+)"', html)
    assert q and t, "no question on the form"
    return q.group(1), t.group(1)


def test_a_question_is_asked_after_repeated_letters_from_one_address(client, app, agencies, limits):
    human_check(limits, CHALLENGE_AFTER="2 per hour")
    url = "/file/complaint"
    for number in ("040111111111", "040222222222"):
        fields = {**form_fields(letter(agencies, number)), "stamp": old_stamp(app)}
        assert post_form(client, url, fields).status_code == 302
    html = client.get(url).get_data(as_text=True)
    question, token = question_and_token(html)
    assert question.endswith("bằng mấy?")
    fields = {**form_fields(letter(agencies, "040333333333", content=CONTENT)), "stamp": old_stamp(app)}
    # no answer: refused, text kept, a question shown
    r = post_form(client, url, fields)
    assert r.status_code == 422 and "trả lời câu hỏi" in r.get_data(as_text=True)
    assert "Gia đình tôi không đồng ý" in r.get_data(as_text=True)
    # a wrong answer: refused, and that question cannot be tried again
    wrong = solve(question) + 1
    r = post_form(client, url, {**fields, "challenge_token": token, "challenge_answer": str(wrong)})
    assert r.status_code == 422 and count_cases(app) == 2
    r = post_form(client, url, {**fields, "challenge_token": token, "challenge_answer": str(solve(question))})
    assert r.status_code == 422, "a question is answered once"
    # the new question, answered right (in digits): received
    question, token = question_and_token(r.get_data(as_text=True))
    r = post_form(client, url, {**fields, "challenge_token": token, "challenge_answer": str(solve(question))})
    assert r.status_code == 302 and count_cases(app) == 3
    # the answer in words is accepted too, and a forged token never
    html = client.get(url).get_data(as_text=True)
    assert 'data-testid="challenge"' not in html, "no new question for ten minutes after a right answer"


def test_challenge_answer_is_checked_against_a_signed_token(app):
    from petitions import security
    with app.test_request_context("/file/complaint"):
        question, token = security.new_challenge()
        value = solve(question)
        word = [w for w, n in WORDS.items() if n == value]
        assert not security.challenge_passed(token[:-2] + "xx", str(value))
        assert security.challenge_passed(token, word[0] if word else str(value))
        assert not security.challenge_passed(token, str(value)), "used once"


# --- size limits -------------------------------------------------------------------------

def test_a_body_over_max_content_length_gets_a_helpful_vietnamese_page(client, app, agencies, limits):
    limits(MAX_CONTENT_LENGTH=200_000)
    fields = form_fields(letter(agencies))
    fields["attachments"] = [(io.BytesIO(b"%PDF-1.4\n" + b"0" * 300_000), "lon.pdf")]
    r = post_form(client, "/file/complaint", fields, content_type="multipart/form-data")
    assert r.status_code == 413
    html = r.get_data(as_text=True)
    assert "lớn hơn" in html and "MB" in html and "<html" in html
    assert r.headers["X-Frame-Options"] == "DENY"
    r = client.post("/api/v1/cases", data=b"{" + b" " * 300_000 + b"}", content_type="application/json")
    assert r.status_code == 413 and r.get_json()["errors"]["_"]
    assert count_cases(app) == 0


def test_too_many_or_too_large_attachments_are_explained_and_the_text_kept(client, app, agencies, limits):
    limits(MAX_ATTACHMENTS=2, MAX_ATTACHMENT_BYTES=1024)
    fields = form_fields(letter(agencies, content=CONTENT))
    fields["attachments"] = [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), f"giay-{i}.pdf") for i in range(3)]
    r = post_form(client, "/file/complaint", fields, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "tối đa 2" in html
    assert "Gia đình tôi không đồng ý" in html
    assert 'data-testid="files-lost"' in html and "chọn lại" in html
    fields["attachments"] = [(io.BytesIO(b"%PDF-1.4\n" + b"0" * 2048), "to.pdf")]
    html = post_form(client, "/file/complaint", fields, content_type="multipart/form-data").get_data(as_text=True)
    assert "to.pdf" in html and "lớn hơn" in html
    assert count_cases(app) == 0


def test_every_filing_form_shows_the_privacy_notice_and_the_full_page_exists(client):
    for kind in ("complaint", "denunciation", "petition"):
        html = client.get(f"/file/{kind}").get_data(as_text=True)
        assert 'data-testid="privacy-notice"' in html and 'href="/privacy"' in html
        assert "91/2025" in html
    page = client.get("/privacy")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for words in ("91/2025", "13/2023", "72 giờ", "tố cáo", "Thanh tra tỉnh"):
        assert words in html, words
