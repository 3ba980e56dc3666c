"""make fuzz, set-up (scripts/fuzz.sh): after `flask seed demo`, make what the fuzzer needs to
get past 401/403/404 into the workflow, and write it as JSON for scripts/fuzz_hooks.py.

- an officer of the demo ward with the reception, handler and head roles (a random password
  nobody knows; the fuzzer uses their API token), so that every officer event is one they
  may fire;
- letters filed through the API (complaint, denunciation, petition, anonymous petition),
  whose tracking codes and access keys the public look-up is fuzzed with;
- the ward's open cases, each with the actions this officer may take on it and their
  fields (read from the officer API), the ward's officers and the agency codes.

Usage: python scripts/fuzz_setup.py OUT.json   (prints the officer's token)
"""
from __future__ import annotations

import json
import secrets
import sys

from petitions import create_app
from petitions.extensions import db
from petitions.models import AdminUnit, Agency, User
from petitions.services.accounts import create_user
from petitions.services.tokens import issue_token
from petitions.workflow.states import Event, Role

USERNAME = "fuzz.officer"


def letters(commune: str) -> list[dict]:
    person = {"full_name": "Nguyễn Văn Kiểm", "address": "Số 12 đường Lê Lợi", "id_number": "040123450001"}
    content = "Nội dung đơn dùng để kiểm thử giao diện lập trình, đủ dài để được nhận."
    return [
        {"kind": "complaint", "title": "Khiếu nại quyết định thu hồi đất", "content": content,
         "commune_code": commune, "respondent": "Quyết định số 12/QĐ-UBND", "petitioner": person},
        {"kind": "denunciation", "title": "Tố cáo cán bộ địa chính", "content": content, "commune_code": commune,
         "respondent": "Ông Lê Văn B, cán bộ địa chính", "petitioner": person, "pledge": True},
        {"kind": "petition", "title": "Kiến nghị sửa đường", "content": content, "commune_code": commune,
         "petitioner": {"full_name": "Trần Thị Kiến", "address": "Xóm 3"}},
        {"kind": "petition", "title": "Phản ánh đèn đường", "content": content, "commune_code": commune,
         "anonymous": True},
    ]


def main(out: str) -> None:
    app = create_app()
    with app.app_context():
        head = db.session.scalar(db.select(User).where(User.username == "chutich"))
        agency = head.agency
        agency_code = agency.code
        commune = db.session.get(AdminUnit, agency.admin_unit_id).code
        user = create_user(USERNAME, secrets.token_urlsafe(24), full_name="Cán bộ kiểm thử", agency=agency,
                           roles=[Role.RECEPTION, Role.HANDLER, Role.HEAD])
        db.session.flush()
        token = issue_token(user)
        officers = [u.username for u in db.session.scalars(db.select(User).where(User.agency_id == agency.id))]
        agencies = list(db.session.scalars(db.select(Agency.code).order_by(Agency.code)))
        db.session.commit()

    http = app.test_client()
    public = []
    for n in range(3):  # a few of each kind: events move them on while the fuzzer runs
        for body in letters(commune):
            r = http.post("/api/v1/cases", json=body, environ_base={"REMOTE_ADDR": f"192.0.2.{10 + n}"})
            assert r.status_code == 201, (r.status_code, r.get_data(as_text=True)[:500])
            made = r.get_json()
            public.append([made["tracking_code"], made["access_key"]])

    auth = {"Authorization": f"Bearer {token}"}
    cases, page = {}, 1
    while True:
        listing = http.get(f"/api/v1/officer/cases?page={page}", headers=auth).get_json()
        for c in listing["cases"]:
            detail = http.get(f"/api/v1/officer/cases/{c['tracking_code']}", headers=auth).get_json()
            cases[c["tracking_code"]] = detail["actions"]
        if page * 50 >= listing["total"]:
            break
        page += 1
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"public": public, "cases": cases, "officers": officers, "agencies": agencies,
                   "events": sorted(e.value for e in Event)},
                  fh, ensure_ascii=False)
    print(token)
    print(f"fuzz set-up: {len(public)} letters with their keys, {len(cases)} cases of {agency_code} "
          f"({sum(map(len, cases.values()))} actions open to {USERNAME})", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
