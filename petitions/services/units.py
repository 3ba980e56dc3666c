"""Loading Nghệ An's administrative units (from ``vietnam-provinces``) and its agencies."""
from __future__ import annotations

from vietnam_provinces import Province, Ward

from ..extensions import db
from ..models import AdminUnit, Agency

PROVINCE_NAME = "Nghệ An"

# Provincial bodies that receive citizens' letters (after the 2025 reorganisation of
# departments; editable data, not law). The codes are the system's own.
PROVINCIAL_AGENCIES = [
    ("UBND-TINH", "Ủy ban nhân dân tỉnh Nghệ An", "people_committee", None),
    ("TTR-TINH", "Thanh tra tỉnh Nghệ An", "inspectorate", "UBND-TINH"),
    ("BTCD-TINH", "Ban Tiếp công dân tỉnh Nghệ An", "reception_board", "UBND-TINH"),
    ("SO-NNMT", "Sở Nông nghiệp và Môi trường", "department", "UBND-TINH"),
    ("SO-XD", "Sở Xây dựng", "department", "UBND-TINH"),
    ("SO-TC", "Sở Tài chính", "department", "UBND-TINH"),
    ("SO-NV", "Sở Nội vụ", "department", "UBND-TINH"),
    ("SO-TP", "Sở Tư pháp", "department", "UBND-TINH"),
    ("SO-YT", "Sở Y tế", "department", "UBND-TINH"),
    ("SO-GDDT", "Sở Giáo dục và Đào tạo", "department", "UBND-TINH"),
    ("SO-CT", "Sở Công Thương", "department", "UBND-TINH"),
    ("SO-KHCN", "Sở Khoa học và Công nghệ", "department", "UBND-TINH"),
    ("SO-VHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "department", "UBND-TINH"),
    ("SO-DTTG", "Sở Dân tộc và Tôn giáo", "department", "UBND-TINH"),
]


# the kind of unit written in lower case inside a name: "Ủy ban nhân dân phường Thành Vinh"
DIVISION_WORDS = ("Xã", "Phường", "Đặc khu", "Thị trấn", "Thành phố", "Tỉnh")


def committee_name(unit_name: str) -> str:
    """The People's Committee of a unit, as Vietnamese writes it mid-name:
    "Phường Thành Vinh" -> "Ủy ban nhân dân phường Thành Vinh"."""
    for word in DIVISION_WORDS:
        if unit_name.startswith(word + " "):
            unit_name = word.lower() + unit_name[len(word):]
            break
    return f"Ủy ban nhân dân {unit_name}"


def nghe_an() -> Province:
    return next(p for p in Province.iter_all() if p.name == PROVINCE_NAME)


def load_units() -> dict[str, int]:
    """Create or update the province, its communes and their agencies. Idempotent."""
    province = nghe_an()
    existing = {u.code: u for u in db.session.scalars(db.select(AdminUnit))}
    created = {"units": 0, "agencies": 0}

    p_unit = existing.get(str(province.code.value))
    if p_unit is None:
        p_unit = AdminUnit(code=str(province.code.value), name=province.name,
                           division_type=province.division_type.value, level="province")
        db.session.add(p_unit)
        created["units"] += 1
    db.session.flush()

    wards = sorted(Ward.iter_by_province(province.code), key=lambda w: w.code.value)
    units = []
    for w in wards:
        unit = existing.get(str(w.code.value))
        if unit is None:
            unit = AdminUnit(code=str(w.code.value), name=w.name, division_type=w.division_type.value,
                             level="commune", parent_id=p_unit.id)
            db.session.add(unit)
            created["units"] += 1
        else:
            unit.name = w.name
        units.append(unit)
    db.session.flush()

    agencies = {a.code: a for a in db.session.scalars(db.select(Agency))}
    for code, name, category, parent in PROVINCIAL_AGENCIES:
        if code not in agencies:
            agencies[code] = Agency(code=code, name=name, level="province", category=category,
                                    admin_unit_id=p_unit.id)
            db.session.add(agencies[code])
            created["agencies"] += 1
    db.session.flush()
    for code, _name, _category, parent in PROVINCIAL_AGENCIES:
        if parent:
            agencies[code].parent_id = agencies[parent].id
    top = agencies["UBND-TINH"]
    for unit in units:
        code = f"UBND-{unit.code}"
        if code not in agencies:
            agencies[code] = Agency(code=code, name=committee_name(unit.name), level="commune",
                                    category="people_committee", parent_id=top.id, admin_unit_id=unit.id)
            db.session.add(agencies[code])
            created["agencies"] += 1
        elif agencies[code].name == f"Ủy ban nhân dân {unit.name}":  # written before the lower-case rule
            agencies[code].name = committee_name(unit.name)
    db.session.flush()
    return created
