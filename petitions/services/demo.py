"""Demo data: the province's agencies, one officer per role, realistic letters."""
from __future__ import annotations

import random
from datetime import timedelta

from ..extensions import db
from ..models import AdminUnit, Agency
from ..workflow.states import Channel, Kind, Role
from .accounts import create_user
from .intake import Submission, submit_case
from .units import load_units

DEMO_PASSWORD = "nghean-demo-2026"
# two-factor sign-in is required for inspectors and administrators: the demo ones get a
# fixed, published secret (training only: type it into an authenticator app, or print the
# current code with `flask users otp USERNAME`, which production refuses)
DEMO_TOTP_SECRETS = {"admin": "NGHEANDEMOQUANTRIVIENXXXXXXXXXXX", "thanhtra": "NGHEANDEMOTHANHTRAXXXXXXXXXXXXXX"}

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đình", "Hữu", "Xuân", "Thanh", "Minh", "Quang", "Ngọc"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam",
         "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Vinh", "Yến"]
STREETS = ["Lê Lợi", "Quang Trung", "Nguyễn Du", "Phan Bội Châu", "Trần Phú", "Lê Hồng Phong"]

LETTERS = {
    Kind.COMPLAINT: [
        ("Khiếu nại quyết định bồi thường, hỗ trợ khi thu hồi đất",
         "Quyết định số {n}/QĐ-UBND ngày {d} về bồi thường, hỗ trợ khi thu hồi đất",
         "Gia đình tôi bị thu hồi {m} m² đất nông nghiệp để thực hiện dự án mở rộng đường. "
         "Đơn giá bồi thường áp dụng thấp hơn giá thị trường và không tính phần tài sản trên đất. "
         "Đề nghị xem xét lại quyết định và bồi thường đúng quy định."),
        ("Khiếu nại việc từ chối cấp giấy chứng nhận quyền sử dụng đất",
         "Văn bản số {n}/UBND-ĐC ngày {d} trả lời không đủ điều kiện cấp giấy chứng nhận",
         "Thửa đất của gia đình tôi sử dụng ổn định từ năm 1993, không tranh chấp. Ủy ban trả lời "
         "không đủ điều kiện cấp giấy chứng nhận mà không nêu căn cứ. Đề nghị giải quyết."),
        ("Khiếu nại quyết định xử phạt vi phạm hành chính trong xây dựng",
         "Quyết định xử phạt số {n}/QĐ-XPHC ngày {d}",
         "Tôi xây dựng công trình phụ trên đất ở hợp pháp nhưng bị xử phạt và buộc tháo dỡ. "
         "Đề nghị xem xét hủy quyết định xử phạt vì không đúng đối tượng."),
    ],
    Kind.DENUNCIATION: [
        ("Tố cáo cán bộ địa chính nhận tiền khi làm thủ tục đất đai",
         "Cán bộ địa chính {who}",
         "Khi làm thủ tục tách thửa, cán bộ địa chính yêu cầu nộp thêm {m}.000 đồng ngoài lệ phí, "
         "không có biên lai. Nhiều hộ trong xóm cũng bị như vậy. Đề nghị xác minh, xử lý."),
        ("Tố cáo sai phạm trong xét duyệt hộ nghèo",
         "Trưởng thôn và cán bộ chính sách {who}",
         "Danh sách hộ nghèo năm nay có nhiều hộ khá giả là người thân của cán bộ thôn, trong khi "
         "các hộ thực sự khó khăn bị loại. Đề nghị kiểm tra lại việc bình xét."),
    ],
    Kind.PETITION: [
        ("Kiến nghị sửa chữa tuyến đường liên xóm bị xuống cấp",
         None,
         "Tuyến đường liên xóm dài khoảng {m} m bị sạt lở, ổ gà sau mùa mưa, học sinh đi lại "
         "rất nguy hiểm. Đề nghị địa phương sớm bố trí kinh phí sửa chữa."),
        ("Phản ánh tình trạng ô nhiễm từ cơ sở chăn nuôi",
         None,
         "Cơ sở chăn nuôi lợn gần khu dân cư xả nước thải ra mương chung, gây mùi hôi thối kéo dài. "
         "Đề nghị kiểm tra, yêu cầu cơ sở xử lý chất thải đúng quy định."),
        ("Kiến nghị lắp đặt đèn chiếu sáng công cộng",
         None,
         "Đoạn đường từ trường học đến khu dân cư chưa có đèn chiếu sáng, buổi tối rất tối. "
         "Đề nghị lắp đặt đèn chiếu sáng để đảm bảo an toàn."),
    ],
}


def _name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _person(rng: random.Random, commune: AdminUnit) -> dict:
    return {
        "full_name": _name(rng),
        "id_number": "040" + "".join(rng.choice("0123456789") for _ in range(9)),
        "phone": "09" + "".join(rng.choice("0123456789") for _ in range(8)),
        "email": f"nguoidan{rng.randint(1, 999)}@demo.invalid" if rng.random() < 0.3 else None,
        "address": f"Số {rng.randint(1, 200)} đường {rng.choice(STREETS)}, {commune.name}, Nghệ An",
    }


DEMO_USERNAMES = ("admin", "thanhtra", "tiepdan", "thuly", "chutich", "tiepdan.tinh", "vanphong.hdnd")
# what each demo account is for, printed by `flask seed demo` (and `make run`) and in the README
DEMO_DUTIES = {
    "admin": "accounts, working-day calendar, time limits, document templates, personal data (/admin/)",
    "thanhtra": "watches every agency: Monitoring (/inspect/), overdue list, exports, urges agencies",
    "tiepdan": "registers letters at the ward's desk; on a new letter: forward, guide, archive, attach "
               "(accepting a complaint or denunciation is the chairman's)",
    "thuly": "handles the cases the chairman assigned to them: verification, dialogue, answer "
             "(nothing to do on a new letter until it is accepted and assigned)",
    "chutich": "head of the ward: accepts or refuses new complaints and denunciations, assigns a handler, "
               "decides, signs the documents",
    "tiepdan.tinh": "the provincial reception board: registers and handles letters sent to the province",
}


def published_credential(password: str | None = None, totp_secret: str | None = None) -> bool:
    """Is this the published demo password or one of the published two-factor secrets?
    Production refuses them even on an account that was seeded elsewhere and copied over."""
    return (password is not None and password == DEMO_PASSWORD) or \
        (totp_secret is not None and totp_secret in DEMO_TOTP_SECRETS.values())


def demo_sign_ins() -> list[tuple[str, str, list[str], str]]:
    """The demo accounts that exist, with their password (as seeded)."""
    from ..models import User
    users = db.session.scalars(db.select(User).where(User.username.in_(DEMO_USERNAMES))).all()
    order = {name: i for i, name in enumerate(DEMO_USERNAMES)}
    return [(u.username, DEMO_PASSWORD, sorted(r.value for r in u.roles), u.agency.name)
            for u in sorted(users, key=lambda u: order[u.username])]


def seed_demo_data(n_cases: int, seed: int = 2026) -> None:
    from flask import current_app

    from ..web import local_today
    if current_app.config.get("ENV") == "production":
        raise RuntimeError("demo data is never created in production")

    rng = random.Random(seed)
    load_units()
    from .calendar import load_calendar_decisions
    load_calendar_decisions()
    agencies = {a.code: a for a in db.session.scalars(db.select(Agency))}
    communes = list(db.session.scalars(db.select(AdminUnit).where(AdminUnit.level == "commune")
                                       .order_by(AdminUnit.code)))
    home = next(c for c in communes if c.name.startswith("Phường") and "Vinh" in c.name)
    home_agency = next(a for a in agencies.values() if a.admin_unit_id == home.id and a.level == "commune")
    # a few mountain communes flagged remote, as an administrator would (data, editable)
    for c in communes:
        if any(word in c.name for word in ("Mường", "Keng Đu", "Nậm", "Huồi", "Tri Lễ", "Hữu Kiệm")):
            c.is_remote = True

    accounts = [
        ("admin", [Role.ADMIN], agencies["UBND-TINH"], "Quản trị hệ thống"),
        ("thanhtra", [Role.INSPECTOR], agencies["TTR-TINH"], "Lê Thanh Tra"),
        ("tiepdan", [Role.RECEPTION], home_agency, "Nguyễn Thị Tiếp"),
        ("thuly", [Role.HANDLER], home_agency, "Trần Văn Thụ"),
        ("chutich", [Role.HEAD], home_agency, "Phạm Văn Chủ"),
        ("tiepdan.tinh", [Role.RECEPTION, Role.HANDLER], agencies["BTCD-TINH"], "Hồ Thị Tỉnh"),
        # the People's Council office's liaison: records voter meetings, enters their petitions
        ("vanphong.hdnd", [Role.COUNCIL], agencies["UBND-TINH"], "Đinh Thị Dân Nguyện"),
    ]
    for username, roles, agency, full_name in accounts:
        user = create_user(username, DEMO_PASSWORD, full_name=full_name, agency=agency, roles=roles,
                           email=f"{username}@demo.invalid")
        if username in DEMO_TOTP_SECRETS:
            from ..models.types import utcnow
            user.totp_secret = DEMO_TOTP_SECRETS[username]
            user.totp_enabled_at = utcnow()

    # every other agency gets a head and a reception officer, so its letters move too
    from .scale import _ensure_officers
    from ..models import User
    _ensure_officers()
    officers_by_agency: dict[int, dict[str, User]] = {}
    for user in db.session.scalars(db.select(User)):
        officers_by_agency.setdefault(user.agency_id, {})[user.username] = user

    today = local_today()
    kinds = [Kind.COMPLAINT] * 4 + [Kind.DENUNCIATION] * 2 + [Kind.PETITION] * 4
    for i in range(n_cases):
        kind = rng.choice(kinds)
        title, respondent, content = rng.choice(LETTERS[kind])
        commune = home if rng.random() < 0.4 else rng.choice(communes)
        agency = agencies["BTCD-TINH"] if rng.random() < 0.15 else next(
            a for a in agencies.values() if a.admin_unit_id == commune.id and a.level == "commune")
        fill = {"n": rng.randint(10, 999), "d": (today - timedelta(days=rng.randint(60, 900))).strftime("%d/%m/%Y"),
                "m": rng.randint(50, 900), "who": commune.name}
        anonymous = kind == Kind.PETITION and rng.random() < 0.1
        sub = Submission(
            kind=kind, title=title, content=content.format(**fill),
            channel=rng.choice([Channel.WEB, Channel.WEB, Channel.DESK, Channel.POST]),
            received_on=today - timedelta(days=int(rng.triangular(0, 548, 30))),
            agency=agency, commune=commune,
            respondent=respondent.format(**fill) if respondent else None,
            petitioner={} if anonymous else _person(rng, commune),
            co_signers=[_person(rng, commune) for _ in range(rng.randint(5, 12))]
            if kind == Kind.COMPLAINT and rng.random() < 0.05 else [],
            is_anonymous=anonymous,
        )
        case, _key = submit_case(sub)
        _walk(case, rng, today, officers_by_agency.get(case.agency_id, {}))
    _seed_reception_history(rng, today, home_agency)
    # the demo's past is not news: no mails to filers about steps taken months ago
    from ..models import Notification
    db.session.execute(db.delete(Notification).where(Notification.kind == "case_update"))
    db.session.info.pop("petitions_jobs", None)


HAPPY_PATH = ["accept", "assign", "notify", "start_verification", "hold_dialogue", "decide", "conclude",
              "take_effect", "enforce", "handle_conclusion", "publish", "answer", "close"]
SIDE_PATHS = ["refuse", "forward", "guide", "archive"]


def _walk(case, rng: random.Random, today, officers: dict) -> None:
    """Move a demo case along the workflow as its agency's officers would, up to today."""
    from ..workflow.engine import TransitionError
    from .workflow import apply_transition, available_actions
    if not officers:
        return
    handler = next((u for u in officers.values() if u.has_role(Role.HANDLER)), None) or \
        next((u for u in officers.values() if u.has_role(Role.HEAD)), None)
    depth = rng.choice([0, 1, 2, 3, 4, 6, 8, 12, 12, 12])
    day = case.received_on
    fired: set[str] = set()
    for _ in range(depth):
        day = day + timedelta(days=rng.randint(1, 9))
        if day > today:
            return
        options = {}
        for user in officers.values():
            for row in available_actions(case, user):
                options.setdefault(row.event.value, (row, user))
        side = [e for e in SIDE_PATHS if e in options]
        if side and rng.random() < 0.1:
            event = rng.choice(side)
        else:
            event = next((e for e in HAPPY_PATH if e in options and e not in fired), None)
        if event is None:
            return
        row, user = options[event]
        if event == "take_effect":
            day = max(day, (case.decided_on or day) + timedelta(days=46))
            if day > today:
                return
        fields = {}
        for spec in row.fields:
            if spec.type == "choice":
                fields[spec.name] = rng.choice(spec.choices)[0] if spec.required else None
            elif spec.type == "date":
                fields[spec.name] = (day - timedelta(days=7)).isoformat() if spec.required else None
            elif spec.type == "int":
                fields[spec.name] = spec.max
            elif spec.type == "user":
                if handler is None:
                    return
                fields[spec.name] = handler.username
            elif spec.type == "agency":
                fields[spec.name] = "SO-XD"
            elif spec.type == "case":
                return
            elif spec.name == "representatives" and case.is_mass:
                # the signers' written appointment: the filer and the first co-signer
                fields[spec.name] = [str(p.id) for p in case.parties[:2]]
                fields["all_signed"] = "yes"
            elif spec.required:
                fields[spec.name] = "Xã sẽ xem xét, giải quyết theo quy định." if spec.name == "answer" else \
                    f"Văn bản số {rng.randint(10, 300)}/UBND"
        try:
            apply_transition(case, event, user, day, {k: v for k, v in fields.items() if v}, today=today)
            fired.add(event)
        except TransitionError:  # a guard the demo did not satisfy: leave the case there
            return


def _seed_reception_history(rng: random.Random, today, home_agency) -> None:
    """A believable past for the reception duty: the accounts existed 18 months ago, and
    over the last six months each head held (or, now and then, missed) the regular sessions
    the law sets; a few were chaired by a deputy on the head's authority; some sessions are
    booked for the weeks ahead; one dialogue with commitments followed by an officer."""
    from ..models import Commitment, Dialogue, ReceptionSession, User, UserRole
    from ..models.types import utcnow
    from .engagement import MONTHLY, duty_frequency, duty_periods
    past = utcnow() - timedelta(days=548)
    users = list(db.session.scalars(db.select(User)))
    for user in users:
        user.created_at = past
    heads = db.session.execute(db.select(User, Agency).join(UserRole).join(Agency, Agency.id == User.agency_id)
                               .where(UserRole.role == Role.HEAD.value)).all()
    officers = {}
    for user in users:
        officers.setdefault(user.agency_id, []).append(user)
    start = today - timedelta(days=182)
    cal = None
    from .calendar import get_calendar
    cal = get_calendar()
    # a few agencies are careless: they miss one period in three
    careless = {a.id for _h, a in heads if rng.random() < 0.12}
    for head, agency in heads:
        frequency = duty_frequency(agency)
        periods = [p for y in {start.year, today.year} for p in duty_periods(frequency, y)
                   if p.end >= start and p.start <= today + timedelta(days=35)]
        deputy = next((u for u in officers.get(agency.id, []) if u.id != head.id), None)
        for p in periods:
            days = [p.start + timedelta(days=i) for i in range((p.end - p.start).days + 1)]
            days = [d for d in days if cal.is_working_day(d)]
            if not days:
                continue
            upcoming = p.start > today or (p.end >= today and rng.random() < 0.5)
            if not upcoming and rng.random() < (0.34 if agency.id in careless else 0.05):
                continue  # missed
            day = rng.choice([d for d in days if d > today] or days) if upcoming else \
                rng.choice([d for d in days if d <= today] or days)
            if upcoming and day <= today:
                continue
            by_deputy = deputy is not None and frequency == MONTHLY and rng.random() < 0.2
            db.session.add(ReceptionSession(
                agency_id=agency.id, chair_id=deputy.id if by_deputy else head.id, held_on=day, kind="regular",
                mode="in_person", place=f"Trụ sở {agency.name}", created_by_id=head.id,
                authorised_by_id=head.id if by_deputy else None,
                authorisation=f"Giấy ủy quyền số {rng.randint(1, 40)}/GUQ" if by_deputy else None))
    head = next((h for h, a in heads if a.id == home_agency.id), None)
    staff = officers.get(home_agency.id, [])
    if head is not None and staff:
        held = today - timedelta(days=40)
        dialogue = Dialogue(agency_id=home_agency.id, head_id=head.id, held_on=held,
                            topic="Đối thoại với các hộ dân về bồi thường, hỗ trợ tái định cư",
                            participants="25 hộ dân khối 3, đại diện Ban quản lý dự án",
                            issues="Chậm chi trả tiền bồi thường đợt 2; chưa công khai phương án tái định cư.",
                            created_by_id=head.id)
        dialogue.commitments = [
            Commitment(text="Chi trả tiền bồi thường đợt 2 cho các hộ", due_on=held + timedelta(days=20),
                       owner_id=staff[0].id, done_on=held + timedelta(days=18),
                       result="Đã chi trả cho 25 hộ, có biên bản nhận tiền."),
            Commitment(text="Niêm yết công khai phương án tái định cư tại nhà văn hóa khối",
                       due_on=today - timedelta(days=5), owner_id=staff[-1].id),
        ]
        db.session.add(dialogue)
    db.session.flush()
