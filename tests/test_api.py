"""JSON API v1: filing, reading back with the key, errors that store nothing."""
from __future__ import annotations

from datetime import date

import pytest

from petitions.extensions import db
from petitions.models import Case, Party

from .conftest import valid_letter


def n_cases(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Case))


@pytest.mark.parametrize("kind", ["complaint", "denunciation", "petition"])
def test_create_case_then_read_it_with_the_key(client, app, agencies, kind):
    r = client.post("/api/v1/cases", json=valid_letter(kind, agencies["commune_a"]))
    assert r.status_code == 201, r.get_json()
    out = r.get_json()
    assert set(out) >= {"tracking_code", "access_key", "status", "received_at", "handling_due_on"}
    assert out["status"] == "received"
    assert date.fromisoformat(out["handling_due_on"]) > date.fromisoformat(out["received_on"])

    r = client.get(f"/api/v1/cases/{out['tracking_code']}", headers={"X-Access-Key": out["access_key"]})
    assert r.status_code == 200
    view = r.get_json()
    assert view["kind"] == kind and view["status"] == "received"
    assert [h["event"] for h in view["history"]] == ["receive"]
    handling = [s for s in view["running_steps"] if s["step"] == "letter-handling"]
    assert handling and handling[0]["due_on"] == out["handling_due_on"]
    text = r.get_data(as_text=True)
    assert "040123456789" not in text and "Nguyễn Văn An" not in text


def test_tracking_code_is_read_as_typed(client, agencies):
    out = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).get_json()
    typed = out["tracking_code"][:5].lower() + " - " + out["tracking_code"][5:].lower()
    r = client.get(f"/api/v1/cases/{typed}", headers={"X-Access-Key": out["access_key"].lower()})
    assert r.status_code == 200


def test_wrong_code_and_wrong_key_answer_alike(client, agencies):
    out = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).get_json()
    wrong_key = client.get(f"/api/v1/cases/{out['tracking_code']}", headers={"X-Access-Key": "ZZZZZZZZ"})
    wrong_code = client.get("/api/v1/cases/0000000000", headers={"X-Access-Key": out["access_key"]})
    no_key = client.get(f"/api/v1/cases/{out['tracking_code']}")
    assert wrong_key.status_code == wrong_code.status_code == no_key.status_code == 404
    assert wrong_key.get_json() == wrong_code.get_json()


@pytest.mark.parametrize("change, field", [
    ({"kind": "lawsuit"}, "kind"),
    ({"kind": "voter_petition"}, "kind"),
    ({"title": ""}, "title"),
    ({"content": "ngắn"}, "content"),
    ({"commune_code": "00000"}, "commune_code"),
    ({"petitioner": {"full_name": "", "id_number": "040123456789", "address": "x"}}, "petitioner.full_name"),
    ({"petitioner": {"full_name": "A", "id_number": "04012345678", "address": "x"}}, "petitioner.id_number"),
    ({"petitioner": {"full_name": "A", "id_number": "040123456789", "address": "x", "email": "no"}},
     "petitioner.email"),
    ({"petitioner": {"full_name": "A", "id_number": 40123456789, "address": "x"}}, "petitioner.id_number"),
    ({"respondent": None}, "respondent"),
    ({"surprise": 1}, "surprise"),
    ({"co_signers": [{"full_name": ""}]}, "co_signers.0.full_name"),
])
def test_invalid_input_answers_422_and_stores_nothing(client, app, agencies, change, field):
    body = valid_letter("complaint", agencies["commune_a"])
    body.update(change)
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 422, r.get_json()
    errors = r.get_json()["errors"]
    assert field in errors and all(isinstance(m, str) and m for m in errors[field])
    assert n_cases(app) == 0


def test_errors_are_in_vietnamese_by_default_and_english_on_request(client, agencies):
    body = valid_letter("complaint", agencies["commune_a"], title="")
    vi = client.post("/api/v1/cases", json=body).get_json()["errors"]["title"]
    en = client.post("/api/v1/cases", json=body, headers={"Accept-Language": "en"}).get_json()["errors"]["title"]
    assert vi == ["Trường này là bắt buộc."] and en == ["This field is required."]


def test_not_json_is_refused(client, app):
    r = client.post("/api/v1/cases", data="kind=complaint", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 422 and n_cases(app) == 0


def test_mass_complaint_keeps_co_signers(client, app, agencies):
    signers = [{"full_name": f"Người ký {i}", "address": "Xóm 1"} for i in range(6)]
    out = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"], co_signers=signers))
    assert out.status_code == 201
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        assert case.is_mass
        assert [p.role for p in case.parties] == ["petitioner"] + ["co_signer"] * 6
        assert db.session.scalar(db.select(db.func.count()).select_from(Party)) == 7


def test_openapi_describes_both_operations(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    post = doc["paths"]["/api/v1/cases"]["post"]
    assert {"201", "422"} <= set(post["responses"])
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["kind"]["enum"] == ["complaint", "denunciation", "petition"]
    get = doc["paths"]["/api/v1/cases/{tracking_code}"]["get"]
    assert {"200", "404"} <= set(get["responses"])
    assert any(p["name"] == "X-Access-Key" for p in get["parameters"])


def test_openapi_describes_the_officer_api(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["components"]["securitySchemes"]["officerToken"]["scheme"] == "bearer"
    post = doc["paths"]["/api/v1/cases/{tracking_code}/events"]["post"]
    assert {"201", "401", "403", "409", "422"} <= set(post["responses"])
    assert doc["paths"]["/api/v1/officer/cases"]["get"]["security"] == [{"officerToken": []}]
