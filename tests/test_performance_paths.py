"""What issue 18 changed on the hot paths, checked from the outside."""
from __future__ import annotations

import logging

from .conftest import Client, form_fields, valid_letter


def test_a_disabled_limiter_files_without_failing_open_lines(app, agencies, caplog):
    """RATELIMIT_ENABLED=false (benchmarks, load tests) is not an outage: no warning a filing
    (the load run logged one per filing)."""
    from petitions import create_app
    keep = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "UPLOAD_FOLDER", "RQ_QUEUE", "REDIS_URL", "BASE_URL",
            "MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT", "ARGON2_PARAMS", "RATELIMIT_STORAGE_PREFIX")
    off = create_app({"TESTING": True, **{k: app.config[k] for k in keep}, "RATELIMIT_ENABLED": False})
    client = Client(off)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):  # the web form: it counts filings per address (CHALLENGE_AFTER)
            body = form_fields(valid_letter("complaint", agencies["commune_a"]))
            response = client.submit("/file/complaint", body, follow_redirects=True)
            assert response.status_code == 200 and "receipt" in response.request.path, response.request.path
    assert not [r for r in caplog.records if "failing open" in r.getMessage()]


def test_statistics_page_follows_a_new_filing_and_never_shares_an_officers_page(app, client, agencies,
                                                                                 make_officer):
    """The page is cached (figures and HTML) but a commit that changes a figure refreshes it,
    and a signed-in officer's page (their name, their sign-out form) is never served to others."""
    from datetime import date
    app.config["TODAY"] = date(2026, 8, 3)
    client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"]))
    first = client.get("/statistics?year=2026").get_data(as_text=True)
    assert "<strong>1</strong>" in first  # handled on time / not yet due legend: one letter not yet due
    assert client.get("/statistics?year=2026").get_data(as_text=True) == first  # served again as it was
    client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"]))
    second = client.get("/statistics?year=2026").get_data(as_text=True)
    assert "Letters: 2" in second or "Đơn thư: 2" in second
    make_officer("tiepdan.a", ["reception"], agencies["agency_a"])
    client.login("tiepdan.a")
    mine = client.get("/statistics?year=2026").get_data(as_text=True)
    assert "Tiepdan.A" in mine
    other = Client(app).get("/statistics?year=2026").get_data(as_text=True)
    assert "Tiepdan.A" not in other and ("Letters: 2" in other or "Đơn thư: 2" in other)
