"""Issue 14: what `make fuzz` found once it reached the workflow and the newer checks ran:
a 405 without Allow, a phone number the OpenAPI pattern accepts and the API refused, and
texts longer than documented accepted because the length was counted after normalising."""
from __future__ import annotations

from datetime import date

from petitions.blueprints.public.forms import normalize_phone

from .conftest import valid_letter


def test_a_405_lists_the_methods_the_address_takes(client):
    r = client.delete("/api/v1/cases")
    assert r.status_code == 405 and r.headers["Allow"].split(", ") and "POST" in r.headers["Allow"]
    assert r.get_json()["errors"]["_"]
    page = client.put("/track")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]


def test_phone_numbers_follow_the_documented_pattern():
    # a trunk zero after the country code goes, when 9 or 10 digits follow it
    assert normalize_phone("+84 (0) 971 234 987") == "0971234987"
    assert normalize_phone("0084 971 234 987") == "0971234987"
    assert normalize_phone("84971234987") == "0971234987"
    # the pattern's "0084, then 9 digits" where the first is 0: kept, not shortened to 8
    assert normalize_phone("0084 072 219 074") == "0072219074"
    # "0 and 9 digits" as typed, even "00…" (once cut to 9 digits and refused)
    assert normalize_phone("0.06 438 9914") == "0064389914"


def test_api_counts_text_lengths_as_sent(client, app, agencies):
    app.config["TODAY"] = date(2026, 8, 3)
    body = valid_letter("petition", agencies["commune_a"])
    body["content"] = "Nội dung đơn.\r\n" * 1333 + "x" * 6  # 20,001 as sent, 18,668 once CRLF is LF
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 422 and "content" in r.get_json()["errors"]
    body["content"] = "Nội dung đơn.\r\n" * 1333  # 19,995: accepted
    assert client.post("/api/v1/cases", json=body).status_code == 201
    body["petitioner"] = {**body["petitioner"], "full_name": "N" * 121}
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 422 and "petitioner.full_name" in r.get_json()["errors"]
