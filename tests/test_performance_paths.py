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
