"""Voter petitions: meetings, petitions entered in bulk (form, Excel, CSV) all or none,
the flow through the workflow, the report back to voters and the report per session.

The access rule under test (petitions.services.voters): every officer sees meetings and
session reports; officers of the council's agency (UBND-TINH) who register letters record
meetings; only officers of the agency that recorded a meeting enter its petitions or run
its bulk actions; the workflow table decides who consolidates, assigns, answers, reports.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook

from petitions import labels
from petitions.extensions import db
from petitions.models import AdminUnit, Case, CaseEvent, Deadline, User, VoterMeeting
from petitions.services import voters
from petitions.services.workflow import apply_transition

from .conftest import Client

MEETING_DAY = date(2026, 7, 10)
TODAY = date(2026, 7, 20)
SESSION = "Kỳ họp thứ 5, HĐND tỉnh khóa XVIII"


@pytest.fixture
def officers(app, make_officer):
    app.config["TODAY"] = TODAY
    return {
        "desk": make_officer("vanthu.tinh", ["reception"], "UBND-TINH"),
        "head": make_officer("chutich.tinh", ["head"], "UBND-TINH"),
        "handler": make_officer("chuyenvien.tinh", ["handler"], "UBND-TINH"),
        "xd_head": make_officer("giamdoc.soxd", ["head"], "SO-XD"),
        "yt_head": make_officer("giamdoc.soyt", ["head"], "SO-YT"),
        "inspector": make_officer("thanhtra", ["inspector"], "TTR-TINH"),
    }


def signed_in(app, username: str) -> Client:
    client = Client(app)
    assert client.login(username).status_code == 302
    return client


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def user(username: str) -> User:
    return db.session.scalar(db.select(User).where(User.username == username))


def meeting_form(agencies, **extra) -> dict:
    return {"held_on": MEETING_DAY.isoformat(), "place": "Nhà văn hóa xóm 3", "commune_code": agencies["commune_a"],
            "deputies": "Đại biểu Nguyễn Văn A, Đại biểu Trần Thị B", "front_committee": "Ủy ban MTTQ xã",
            "council_session": SESSION, **extra}


def new_meeting(client, agencies, **extra) -> int:
    r = client.submit("/voters/meetings/new", meeting_form(agencies, **extra))
    assert r.status_code == 302, r.get_data(as_text=True)
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def service_meeting(app, agencies, session=SESSION, by="vanthu.tinh", day=MEETING_DAY) -> int:
    with app.app_context():
        commune = db.session.scalar(db.select(AdminUnit).where(AdminUnit.code == agencies["commune_a"]))
        meeting = voters.create_meeting(voters.MeetingData(
            held_on=day, place="Hội trường xã", deputies="Đại biểu A", front_committee="Ủy ban MTTQ xã",
            council_session=session, commune=commune), user(by))
        db.session.commit()
        return meeting.id


def service_petitions(app, meeting_id: int, rows: list[dict], by="vanthu.tinh") -> list[str]:
    with app.app_context():
        meeting = db.session.get(VoterMeeting, meeting_id)
        cases = voters.add_petitions(meeting, [voters.RawRow(i, r) for i, r in enumerate(rows, start=1)], user(by))
        db.session.commit()
        return [c.tracking_code for c in cases]


def cases_of(meeting_id: int) -> list[Case]:
    return list(db.session.scalars(db.select(Case).where(Case.voter_meeting_id == meeting_id).order_by(Case.id)))


def workbook(rows: list[list], headings: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headings or voters.template_headings())
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def post_from(client, page: str, url: str, data: dict):
    """POST to ``url`` with the CSRF token of the page that holds the form."""
    return client.post(url, data={"csrf_token": client.csrf(page), **data})


def upload(client, meeting_id: int, data: bytes, name: str):
    url = f"/voters/meetings/{meeting_id}/import"
    token = client.csrf(url)
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


# -- meetings and the bulk form ---------------------------------------------------------------


def test_meeting_and_its_petitions_entered_in_the_bulk_form(app, client, agencies, officers):
    client.login("vanthu.tinh")
    meeting_id = new_meeting(client, agencies, council_session="  Kỳ họp thứ 5,   HĐND tỉnh khóa XVIII ")
    url = f"/voters/meetings/{meeting_id}/petitions"
    assert 'name="rows-9-content"' in client.get(url).get_data(as_text=True)
    r = client.submit(url, {
        "rows-0-content": "Đề nghị sửa chữa tuyến đường liên xã bị xuống cấp.", "rows-0-topic": "Giao thông",
        "rows-0-agency": "SO-XD", "rows-0-commune": agencies["commune_b"],
        "rows-1-content": "Đề nghị bổ sung bác sĩ cho trạm y tế xã.", "rows-1-agency": "SO-YT",
        "rows-2-content": "",  # an empty row is skipped
    })
    assert r.status_code == 302
    with app.app_context():
        meeting = db.session.get(VoterMeeting, meeting_id)
        assert meeting.council_session == SESSION and meeting.commune.code == agencies["commune_a"]
        first, second = cases_of(meeting_id)
        for case in (first, second):
            assert (case.kind, case.channel, case.status) == ("voter_petition", "voter_meeting", "received")
            assert case.received_on == MEETING_DAY and case.agency.code == "UBND-TINH"
            assert case.receiving_agency.code == "UBND-TINH"
            assert case.is_anonymous and case.parties == [] and case.deadlines == []
            assert case.voters_satisfied is None
        assert first.commune.code == agencies["commune_b"]
        assert second.commune.code == agencies["commune_a"]  # the meeting's commune
        assert first.title.startswith("Giao thông: Đề nghị sửa chữa")
        info = voters.petition_info([first, second])
        assert info[first.id].topic == "Giao thông" and info[first.id].proposed_agency.code == "SO-XD"
        assert [e.event for e in first.events] == ["receive", "collect"]
        assert first.events[1].to_status == first.events[1].from_status == "received"
        codes = [first.tracking_code, second.tracking_code]
    page = client.get(f"/voters/meetings/{meeting_id}").get_data(as_text=True)
    assert all(f'data-code="{c}"' in page for c in codes) and "Sở Xây dựng" in page


def test_meeting_form_refuses_a_future_date_and_missing_fields(app, client, agencies, officers):
    client.login("vanthu.tinh")
    r = client.submit("/voters/meetings/new", meeting_form(agencies, held_on="2026-07-21", place=""))
    assert r.status_code == 422
    r = client.submit("/voters/meetings/new", meeting_form(agencies, commune_code="99999"))
    assert r.status_code == 422
    with app.app_context():
        assert count(VoterMeeting) == 0


def test_bulk_form_with_a_bad_row_stores_nothing_and_marks_the_row(app, client, agencies, officers):
    client.login("vanthu.tinh")
    meeting_id = new_meeting(client, agencies)
    r = client.submit(f"/voters/meetings/{meeting_id}/petitions", {
        "rows-0-content": "Kiến nghị hợp lệ về điện sinh hoạt.",
        "rows-1-content": "", "rows-1-topic": "Đất đai",  # a topic without content
        "rows-2-content": "Kiến nghị hợp lệ thứ hai.", "rows-2-agency": "UBND-TINH",  # where they are registered
    })
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'data-row="2" data-column="content"' in page and 'data-row="3" data-column="agency"' in page
    assert 'data-row="1"' not in page
    assert "Kiến nghị hợp lệ về điện sinh hoạt." in page  # what was typed is kept
    with app.app_context():
        assert count(Case) == 0 and count(CaseEvent) == 0


# -- imports --------------------------------------------------------------------------------


def test_import_from_the_excel_template(app, client, agencies, officers):
    client.login("vanthu.tinh")
    meeting_id = new_meeting(client, agencies)
    template = client.get("/voters/template.xlsx")
    assert template.status_code == 200
    wb = load_workbook(io.BytesIO(template.data))
    ws = wb.worksheets[0]
    with app.test_request_context():
        assert [c.value for c in ws[1]] == voters.template_headings()
    assert ws[1][0].value == "Nội dung kiến nghị"  # Vietnamese headings
    assert len(wb.sheetnames) == 3  # the petitions, then the communes and agencies with their codes
    codes_listed = {row[0] for row in wb.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert agencies["commune_b"] in codes_listed
    ws.append(["Đề nghị nâng cấp kênh mương nội đồng.", int(agencies["commune_b"]), "Nông nghiệp", "SO-NNMT"])
    ws.append([None, None, None, None])  # a blank row in the middle is skipped
    ws.append(["Đề nghị xây thêm phòng học.", None, "Giáo dục", "so-gddt"])
    out = io.BytesIO()
    wb.save(out)
    r = upload(client, meeting_id, out.getvalue(), "kien-nghi.xlsx")
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        first, second = cases_of(meeting_id)
        assert first.commune.code == agencies["commune_b"] and second.commune.code == agencies["commune_a"]
        info = voters.petition_info([first, second])
        assert info[second.id].proposed_agency.code == "SO-GDDT" and info[second.id].topic == "Giáo dục"
        collect = next(e for e in second.events if e.event == "collect")
        assert collect.data["row"] == 4 and collect.data["source"] == "xlsx"


def test_import_from_the_csv_template(app, client, agencies, officers):
    client.login("vanthu.tinh")
    meeting_id = new_meeting(client, agencies)
    template = client.get("/voters/template.csv")
    assert template.status_code == 200 and template.data.startswith("\ufeff".encode())
    headings = next(csv.reader(io.StringIO(template.data.decode("utf-8-sig"))))
    with app.test_request_context():
        assert headings == voters.template_headings()
    with app.app_context():
        commune_name = db.session.scalar(db.select(AdminUnit.name).where(AdminUnit.code == agencies["commune_b"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # Excel in a Vietnamese locale separates with ";"
    writer.writerow(["STT", *headings])  # a numbering column is ignored
    writer.writerow([1, "Đề nghị lắp đèn chiếu sáng, \"khẩn\"; tuyến\nquốc lộ", commune_name, "Giao thông", "SO-XD"])
    writer.writerow([2, "Đề nghị hỗ trợ hộ nghèo.", "", "", ""])
    r = upload(client, meeting_id, ("\ufeff" + out.getvalue()).encode("utf-8"), "kien-nghi.CSV")
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        first, second = cases_of(meeting_id)
        assert first.content == "Đề nghị lắp đèn chiếu sáng, \"khẩn\"; tuyến\nquốc lộ"
        assert first.commune.code == agencies["commune_b"]
        assert voters.petition_info([second])[second.id].proposed_agency is None


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_import_with_one_bad_row_stores_nothing_and_reports_the_row(app, client, agencies, officers, fmt):
    client.login("vanthu.tinh")
    meeting_id = new_meeting(client, agencies)
    rows = [["Kiến nghị thứ nhất, hợp lệ.", agencies["commune_a"], "Đất đai", "SO-NNMT"],
            ["Kiến nghị thứ hai, hợp lệ.", "", "", ""],
            ["Kiến nghị có mã xã sai.", "99999", "", ""],
            ["Kiến nghị thứ tư, hợp lệ.", "", "", "SO-YT"]]
    if fmt == "xlsx":
        data = workbook(rows)
    else:
        out = io.StringIO()
        csv.writer(out).writerows([voters.template_headings(), *rows])
        data = out.getvalue().encode("utf-8")
    with app.app_context():
        before = (count(Case), count(CaseEvent))
    r = upload(client, meeting_id, data, f"kien-nghi.{fmt}")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    # the headings are row 1: the third petition is row 4 of the file
    assert 'data-row="4" data-column="commune"' in page and "99999" in page
    assert page.count("data-row=") == 1
    with app.app_context():
        assert (count(Case), count(CaseEvent)) == before == (0, 0)


def test_check_rows_lists_every_problem_with_row_and_column(app, agencies, officers):
    meeting_id = service_meeting(app, agencies)
    with app.app_context():
        meeting = db.session.get(VoterMeeting, meeting_id)
        rows = [voters.RawRow(2, {"content": "Hợp lệ."}),
                voters.RawRow(3, {"content": "  ", "topic": "Y tế"}),
                voters.RawRow(4, {"content": "Sai cơ quan.", "agency": "SO-KHONG-CO", "commune": "Xã Không Có"}),
                voters.RawRow(5, {"content": "x" * (voters.MAX_CONTENT + 1), "topic": "t" * 121})]
        with pytest.raises(voters.ImportRejected) as rejected:
            voters.add_petitions(meeting, rows, user("vanthu.tinh"))
        found = [(e.row, e.column) for e in rejected.value.errors]
        assert found == [(3, "content"), (4, "commune"), (4, "agency"), (5, "content"), (5, "topic")]
        assert all(e.message and e.column_label for e in rejected.value.errors)
        assert count(Case) == 0
        with pytest.raises(voters.ImportRejected):
            voters.add_petitions(meeting, [voters.RawRow(1, {"content": ""})], user("vanthu.tinh"))


@pytest.mark.parametrize("name, data, expected", [
    ("kien-nghi.pdf", b"%PDF-1.4", None),
    ("kien-nghi.csv", "Nội dung kiến nghị\nĐề nghị".encode("cp1258", errors="replace") + b"\xff\xfe", None),
    ("kien-nghi.xlsx", b"not a workbook", None),
    ("kien-nghi.csv", "Ghi chú,Lĩnh vực\nabc,def\n".encode(), 1),  # unknown heading, no content column
    ("kien-nghi.csv", b"", None),
])
def test_unreadable_files_are_refused_with_a_reason(app, agencies, officers, name, data, expected):
    with app.app_context(), pytest.raises(voters.ImportRejected) as rejected:
        voters.read_upload(name, data)
    assert all(e.row == expected for e in rejected.value.errors) and rejected.value.errors


def test_file_headings_are_read_in_either_language_and_by_key(app, officers):
    with app.app_context():
        with force_locale("en"):
            english = [str(voters.COLUMN_LABELS[c]) for c in voters.COLUMNS]
        rows = voters.read_upload("a.xlsx", workbook([["Nội dung", "", "", ""]], headings=english))
        assert rows[0].number == 2 and rows[0].values["content"] == "Nội dung"
        rows = voters.read_upload("a.csv", b"topic,content\nGiao thong,Noi dung\n")
        assert rows[0].values == {"topic": "Giao thong", "content": "Noi dung"}
        # a heading without its "(code or name)", in another case, with a required-mark
        with force_locale("en"):
            rows = voters.read_upload("a.csv", "CONTENT OF THE PETITION *;Commune or ward\nA;B\n".encode())
        assert rows[0].values == {"content": "A", "commune": "B"}


# -- the workflow -----------------------------------------------------------------------------


def test_consolidate_assign_answer_report_through_the_service(app, agencies, officers):
    meeting_id = service_meeting(app, agencies)
    codes = service_petitions(app, meeting_id, [
        {"content": "Đề nghị sửa cầu dân sinh.", "topic": "Giao thông", "agency": "SO-XD"},
        {"content": "Đề nghị bổ sung thuốc bảo hiểm y tế.", "topic": "Y tế", "agency": "SO-YT"},
    ])
    with app.app_context():
        head = user("chutich.tinh")
        cases = cases_of(meeting_id)
        events = voters.consolidate_petitions(cases, head, date(2026, 7, 13), SESSION, today=TODAY)
        assert len(events) == 2 and all(e.event == "consolidate" and e.data["fields"]["session"] == SESSION
                                        for e in events)
        events = voters.assign_petitions(cases, head, date(2026, 7, 15), voters.PROPOSED, today=TODAY)
        db.session.commit()
        assert [e.to_status for e in events] == ["assigned", "assigned"]
        xd, yt = cases_of(meeting_id)
        assert (xd.agency.code, yt.agency.code) == ("SO-XD", "SO-YT")
        due = xd.running_deadline
        # 60 days from Wed 15/7/2026 end on Sun 13/9: the period runs to the next working day
        assert due.step == "voter-petition-answer" and due.due_on == date(2026, 9, 14)
        assert date(2026, 7, 15) + timedelta(days=60) == date(2026, 9, 13)

        xd_head = user("giamdoc.soxd")
        voters.answer_petition(xd, xd_head, date(2026, 7, 17), "Sở đã bố trí vốn sửa cầu trong quý III.",
                               today=TODAY)
        voters.report_petition(xd, xd_head, date(2026, 7, 18), satisfied=True, note="Báo cáo tại kỳ họp",
                               today=TODAY)
        yt_head = user("giamdoc.soyt")
        voters.answer_petition(yt, yt_head, date(2026, 7, 17), "Đã đề nghị bổ sung danh mục thuốc.", today=TODAY)
        voters.report_petition(yt, yt_head, date(2026, 7, 18), satisfied=False, today=TODAY)
        db.session.commit()
        xd, yt = cases_of(meeting_id)
        assert (xd.status, xd.voters_satisfied) == ("reported", True)
        assert (yt.status, yt.voters_satisfied) == ("reported", False)
        answer = db.session.scalar(db.select(Deadline).where(Deadline.case_id == xd.id,
                                                             Deadline.step == "voter-petition-answer"))
        assert answer.completed_on == date(2026, 7, 17) and answer.on_time

        apply_transition(xd, "monitor", user("thanhtra"), TODAY, {"finding": "Đã kiểm tra"}, today=TODAY)
        apply_transition(xd, "close", xd_head, TODAY, {}, today=TODAY)
        apply_transition(yt, "carry_over", yt_head, TODAY, {"session": "Kỳ họp thứ 6, HĐND tỉnh khóa XVIII"},
                         today=TODAY)
        db.session.commit()
        xd, yt = cases_of(meeting_id)
        assert (xd.status, yt.status) == ("closed", "carried_over") and xd.closed_on == TODAY
        assert [e.event for e in xd.events] == ["receive", "collect", "consolidate", "assign", "answer", "report",
                                                "monitor", "close"]
    assert codes


def test_bulk_action_is_all_or_nothing(app, agencies, officers):
    meeting_id = service_meeting(app, agencies)
    service_petitions(app, meeting_id, [{"content": "Một.", "agency": "SO-XD"}, {"content": "Hai."}])
    with app.app_context():
        head = user("chutich.tinh")
        first, second = cases_of(meeting_id)
        voters.consolidate_petitions([first], head, date(2026, 7, 13), SESSION, today=TODAY)
        db.session.commit()
        first, second = cases_of(meeting_id)
        # the second is not consolidated yet: neither is assigned
        with pytest.raises(voters.BulkRejected) as rejected:
            voters.assign_petitions([first, second], head, date(2026, 7, 14), "SO-TC", today=TODAY)
        assert [p.code for p in rejected.value.problems] == [second.tracking_code]
        voters.consolidate_petitions([second], head, date(2026, 7, 13), SESSION, today=TODAY)
        db.session.commit()
        # the second proposed no agency: "to the proposed agency" refuses it, and the first too
        with pytest.raises(voters.BulkRejected) as rejected:
            voters.assign_petitions(cases_of(meeting_id), head, date(2026, 7, 14), None, today=TODAY)
        assert [p.code for p in rejected.value.problems] == [second.tracking_code]
        # a reception officer may not consolidate or assign (the table: head)
        with pytest.raises(voters.BulkRejected):
            voters.assign_petitions(cases_of(meeting_id), user("vanthu.tinh"), date(2026, 7, 14), "SO-TC",
                                    today=TODAY)
        db.session.rollback()
        assert {c.status for c in cases_of(meeting_id)} == {"consolidated"}
        assert count(Deadline) == 0


def test_bulk_actions_on_the_meeting_page(app, agencies, officers):
    meeting_id = service_meeting(app, agencies)
    codes = service_petitions(app, meeting_id, [{"content": "Một.", "agency": "SO-XD"},
                                                {"content": "Hai.", "agency": "SO-YT"},
                                                {"content": "Ba."}])
    head = signed_in(app, "chutich.tinh")
    url = f"/voters/meetings/{meeting_id}"
    page = head.get(url).get_data(as_text=True)
    assert 'value="consolidate"' in page and f'name="case" value="{codes[0]}"' in page
    r = post_from(head, url, f"{url}/bulk", {"event": "consolidate", "case": codes, "act_date": "2026-07-13",
                                             "session": SESSION})
    assert r.status_code == 302
    # assigning the three to their proposed agency: the third proposed none, nothing changes
    r = post_from(head, url, f"{url}/bulk", {"event": "assign", "case": codes, "act_date": "2026-07-14",
                                             "agency": voters.PROPOSED})
    assert r.status_code == 422 and 'data-testid="bulk-errors"' in r.get_data(as_text=True)
    with app.app_context():
        assert [c.status for c in cases_of(meeting_id)] == ["consolidated"] * 3
    r = post_from(head, url, f"{url}/bulk", {"event": "assign", "case": codes[:2], "act_date": "2026-07-14",
                                             "agency": voters.PROPOSED})
    assert r.status_code == 302
    r = post_from(head, url, f"{url}/bulk", {"event": "assign", "case": codes[2:], "act_date": "2026-07-14",
                                             "agency": "SO-TC"})
    assert r.status_code == 302
    with app.app_context():
        assert [c.agency.code for c in cases_of(meeting_id)] == ["SO-XD", "SO-YT", "SO-TC"]
        assert count(CaseEvent) == 3 * 4  # receive, collect, consolidate, assign: one event each
    page = head.get(url).get_data(as_text=True)
    assert page.count("14/09/2026") == 3  # each due date: 60 days from the assignment (13/9 is a Sunday)


def test_report_back_page_records_whether_voters_were_satisfied(app, agencies, officers):
    meeting_id = service_meeting(app, agencies)
    (code,) = service_petitions(app, meeting_id, [{"content": "Đề nghị nạo vét kênh.", "agency": "SO-XD"}])
    with app.app_context():
        head = user("chutich.tinh")
        voters.consolidate_petitions(cases_of(meeting_id), head, date(2026, 7, 13), SESSION, today=TODAY)
        voters.assign_petitions(cases_of(meeting_id), head, date(2026, 7, 14), None, today=TODAY)
        db.session.commit()
    xd = signed_in(app, "giamdoc.soxd")
    assert xd.get(f"/voters/petitions/{code}/report").status_code == 403  # not answered yet
    with app.app_context():
        voters.answer_petition(cases_of(meeting_id)[0], user("giamdoc.soxd"), date(2026, 7, 16), "Sẽ nạo vét.",
                               today=TODAY)
        db.session.commit()
    url = f"/voters/petitions/{code}/report"
    assert "Sẽ nạo vét." in xd.get(url).get_data(as_text=True)
    assert xd.submit(url, {"act_date": "2026-07-17"}).status_code == 422  # satisfied or not must be said
    version = re.search(r'name="version" type="hidden" value="(\d+)"', xd.get(url).get_data(as_text=True)).group(1)
    r = xd.submit(url, {"act_date": "2026-07-17", "satisfied": "no", "note": "Cử tri chưa đồng tình",
                        "version": version})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/voters/meetings/{meeting_id}")
    with app.app_context():
        case = cases_of(meeting_id)[0]
        assert (case.status, case.voters_satisfied) == ("reported", False)
        assert case.events[-1].event == "report" and case.events[-1].note == "Cử tri chưa đồng tình"
    # another agency's head may not report it
    assert signed_in(app, "giamdoc.soyt").get(url).status_code == 403


# -- the report per session ---------------------------------------------------------------


def _answered_session(app, agencies):
    first = service_meeting(app, agencies)
    second = service_meeting(app, agencies, session=" kỳ họp thứ 5,  HĐND tỉnh khóa XVIII".replace("k", "K", 1))
    other = service_meeting(app, agencies, session="Kỳ họp thứ 4, HĐND tỉnh khóa XVIII")
    service_petitions(app, first, [{"content": "Đề nghị làm đường.", "topic": "Giao thông", "agency": "SO-XD"}])
    service_petitions(app, second, [{"content": "Đề nghị thêm bác sĩ.", "agency": "SO-YT"}])
    service_petitions(app, other, [{"content": "Kiến nghị của kỳ trước."}])
    with app.app_context():
        head = user("chutich.tinh")
        cases = cases_of(first) + cases_of(second)
        voters.consolidate_petitions(cases, head, date(2026, 7, 13), SESSION, today=TODAY)
        voters.assign_petitions(cases, head, date(2026, 7, 14), None, today=TODAY)
        road, doctor = cases
        voters.answer_petition(road, user("giamdoc.soxd"), date(2026, 7, 16), "Đường sẽ làm trong năm 2027.",
                               today=TODAY)
        voters.report_petition(road, user("giamdoc.soxd"), date(2026, 7, 17), satisfied=True, today=TODAY)
        db.session.commit()
        return road.tracking_code, doctor.tracking_code, cases_of(other)[0].tracking_code


def test_session_report_lists_each_petition_with_agency_answer_and_satisfaction(app, client, agencies, officers):
    road, doctor, earlier = _answered_session(app, agencies)
    with app.app_context():
        report = voters.session_report(SESSION)
        assert len(report.meetings) == 2
        rows = {info.case.tracking_code: info for info, _meeting, _carried in report.all_rows}
        assert set(rows) == {road, doctor}
        assert rows[road].answer == "Đường sẽ làm trong năm 2027." and rows[road].satisfied is True
        assert rows[road].answered_on == date(2026, 7, 16) and rows[doctor].answer is None
        assert report.totals == {"petitions": 2, "answered": 1, "reported": 1, "satisfied": 1,
                                 "satisfied_rate": 1.0}
    client.login("thanhtra")  # any officer may read the report
    page = client.get("/voters/sessions/report", query_string={"session": SESSION}).get_data(as_text=True)
    assert f'data-code="{road}"' in page and f'data-code="{doctor}"' in page and earlier not in page
    assert "Đường sẽ làm trong năm 2027." in page and "Sở Xây dựng" in page and "Sở Y tế" in page
    assert client.get("/voters/sessions/report", query_string={"session": "Kỳ họp không có"}).status_code == 404
    assert SESSION in client.get("/voters/sessions").get_data(as_text=True)

    r = client.get("/voters/sessions/report.xlsx", query_string={"session": SESSION})
    assert r.status_code == 200 and r.headers["Content-Disposition"].endswith(".xlsx")
    ws = load_workbook(io.BytesIO(r.data)).active
    with app.app_context(), force_locale("vi"):
        headings = voters.report_headings()
        satisfied = voters.satisfied_label(True)
        status = str(labels.STATUS["reported"])
    assert [c.value for c in ws[4]] == headings
    lines = {row[1]: row for row in ws.iter_rows(min_row=5, values_only=True)}
    # the tracking codes as the officers and the voters know them, with their hyphen
    assert set(lines) == {f"{road[:5]}-{road[5:]}", f"{doctor[:5]}-{doctor[5:]}"}
    road_line = lines[f"{road[:5]}-{road[5:]}"]
    assert road_line[6] == "Sở Xây dựng" and road_line[7] == "Đường sẽ làm trong năm 2027."
    assert road_line[9] == satisfied and road_line[10] == status
    assert road_line[4] == "Giao thông" and road_line[8].date() == date(2026, 7, 16)
    # and a summary per agency answering
    summary = load_workbook(io.BytesIO(r.data))["Theo cơ quan"]
    rows = {row[0]: row[1:] for row in summary.iter_rows(min_row=4, values_only=True)}
    assert rows["Sở Xây dựng"] == (1, 1, 1, 1, 0) and rows["Sở Y tế"][:2] == (1, 0)
    assert rows["Tổng số"][:4] == (2, 1, 1, 1)


def test_a_carried_over_petition_is_listed_in_the_next_session_too(app, agencies, officers):
    road, _doctor, _earlier = _answered_session(app, agencies)
    following = "Kỳ họp thứ 6, HĐND tỉnh khóa XVIII"
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == road))
        apply_transition(case, "carry_over", user("giamdoc.soxd"), TODAY, {"session": following}, today=TODAY)
        db.session.commit()
        report = voters.session_report(following)
        assert report.meetings == [] and [i.case.tracking_code for i, _m in report.carried_in] == [road]
        info = voters.session_report(SESSION).rows[0][0]
        assert info.carried_over_to == following


# -- access -------------------------------------------------------------------------------


def test_only_the_meeting_agency_changes_a_meeting(app, agencies, officers):
    desk = signed_in(app, "vanthu.tinh")
    meeting_id = new_meeting(desk, agencies)
    service_petitions(app, meeting_id, [{"content": "Kiến nghị đã có.", "agency": "SO-XD"}])
    url = f"/voters/meetings/{meeting_id}"

    other = signed_in(app, "giamdoc.soxd")
    assert other.get("/voters/").status_code == 200
    assert other.get("/voters/meetings/999").status_code == 404 and other.get("/voters/meetings/x").status_code == 404
    assert other.get("/voters/meetings/new").status_code == 403  # only the council's agency records meetings
    page = other.get(url)
    assert page.status_code == 200 and 'name="case"' not in page.get_data(as_text=True)
    for path, data in ((f"{url}/petitions", {"rows-0-content": "Kiến nghị lạ."}),
                       (f"{url}/bulk", {"event": "consolidate", "case": [], "act_date": "2026-07-13",
                                        "session": SESSION})):
        assert other.get(path).status_code in (403, 405)
        assert other.post(path, data={"csrf_token": other.csrf("/voters/"), **data}).status_code == 403
    r = other.post(f"{url}/import", data={"csrf_token": other.csrf("/voters/"),
                                          "file": (io.BytesIO(workbook([["Lạ."]])), "x.xlsx")},
                   content_type="multipart/form-data")
    assert r.status_code == 403
    # within the meeting's agency: a handler is not among the roles that enter petitions
    assert signed_in(app, "chuyenvien.tinh").get(f"{url}/petitions").status_code == 403
    # the reception officer enters petitions but cannot consolidate (the table: the head)
    r = post_from(desk, url, f"{url}/bulk", {"event": "consolidate", "act_date": "2026-07-13", "session": SESSION,
                                             "case": _codes(app, meeting_id)})
    assert r.status_code == 422
    with app.app_context():
        assert count(Case) == 1 and {c.status for c in cases_of(meeting_id)} == {"received"}
        assert not voters.can_create_meetings(user("thanhtra"))
        assert voters.can_manage_meeting(user("chutich.tinh"), db.session.get(VoterMeeting, meeting_id))
    assert desk.get(f"{url}/petitions").status_code == 200


def _codes(app, meeting_id):
    with app.app_context():
        return [c.tracking_code for c in cases_of(meeting_id)]


def test_voter_petitions_link_is_shown_to_officers_only(app, client, officers):
    assert "/voters/" not in client.get("/").get_data(as_text=True)
    assert client.get("/voters/").status_code == 302  # to the sign-in page
    client.login("giamdoc.soyt")
    assert 'href="/voters/"' in client.get("/voters/").get_data(as_text=True)


def test_refusals_name_no_event_code_and_write_dates_as_dd_mm_yyyy(app):
    from flask_babel import force_locale
    from petitions.workflow.engine import ACT_IN_FUTURE, NOT_FROM_STATUS
    with app.test_request_context(), force_locale("vi"):
        status = labels.tr_message(NOT_FROM_STATUS.format(event="consolidate", status="assigned"))
        assert "consolidate" not in status and "'" not in status
        future = labels.tr_message(ACT_IN_FUTURE.format(act="2026-09-01"))
        assert "01/09/2026" in future and "2026-09-01" not in future
