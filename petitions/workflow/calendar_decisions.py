"""Official calendar decisions for 2025-2027, shipped as versioned data with their sources.

The ``holidays`` package (country ``VN``, version 0.109 when this data was written)
already has, and so they are not repeated here:

- 2025: Tết 27/01-01/02; Hùng Kings 07/04; 30/4, 1/5 and the swap of Friday 02/05 with
  Saturday 26/04; National Day 01-02/09;
- 2026: Tết 16-20/02; Hùng Kings 26/04 observed 27/04; 30/4, 1/5; the swap of Monday
  31/08 with Saturday 22/08 (TB 9441/TB-BNV); National Day 01-02/09; 24/11;
- 2027: 01/01; Tết 04-10/02 (an estimate: no official notice was found); Hùng Kings
  16/04; 30/4; 1/5 observed 03/05; National Day 02-03/09; 24/11.

What it lacks is listed in :data:`DECISIONS`, loaded into the calendar overrides by
``flask seed units`` and by a migration for existing installations (a day an
administrator already decided is never overwritten). Days the package counts as
holidays without an enacted legal basis are listed in :data:`UNENACTED`: the province
chooses to follow them (the default, as the package does) or to ignore them.

Bump :data:`DATA_VERSION` whenever the data changes; every loaded row records it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from .calendar import DayOverride

__all__ = ["DATA_VERSION", "CalendarDecision", "DECISIONS", "UNENACTED", "decision_for", "overrides"]

#: the version of this data set (the date it was last checked)
DATA_VERSION = "2026-12-05"


@dataclass(frozen=True)
class CalendarDecision:
    """One day of an official decision. ``note`` is what the calendar stores and the
    explanations show (English, the catalogue's msgid); ``name_vi`` its Vietnamese;
    ``source`` cites the decision; ``read_in`` says where it was read."""

    day: date
    kind: Literal["day_off", "working_day"]
    note: str
    name_vi: str
    source: str
    read_in: str


_VPCP_12729 = "Công văn 12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ"
_READ_12729 = ("baohiemxahoi.gov.vn, 25/12/2025 (news of the letter; the letter itself was not read): "
               "Thursday 01/01 to Sunday 04/01/2026 off, Friday 02/01 swapped with Saturday 10/01")

DECISIONS: tuple[CalendarDecision, ...] = (
    CalendarDecision(
        date(2026, 1, 2), "day_off",
        "New Year 2026 decision: day off, swapped with Saturday 10/01/2026 (Government Office letter "
        "12729/VPCP-KGVX of 25/12/2025)",
        "Nghỉ Tết Dương lịch 2026, hoán đổi với thứ Bảy 10/01/2026 (Công văn 12729/VPCP-KGVX "
        "ngày 25/12/2025 của Văn phòng Chính phủ)",
        _VPCP_12729, _READ_12729,
    ),
    CalendarDecision(
        date(2026, 1, 10), "working_day",
        "New Year 2026 decision: Saturday worked in exchange for Friday 02/01/2026 (Government Office "
        "letter 12729/VPCP-KGVX of 25/12/2025)",
        "Làm bù cho thứ Sáu 02/01/2026 nghỉ Tết Dương lịch 2026 (Công văn 12729/VPCP-KGVX "
        "ngày 25/12/2025 của Văn phòng Chính phủ)",
        _VPCP_12729, _READ_12729,
    ),
)


@dataclass(frozen=True)
class UnenactedDay:
    """A day the ``holidays`` package counts as a holiday although no enacted text makes
    it one. ``note`` is used when the province ignores it (the day is then worked)."""

    day: date
    name: str
    name_vi: str
    basis: str
    note: str


_CULTURE_BASIS = ("Resolution 80-NQ/TW and the Government's programme ask for a paid day off through an "
                  "amendment of the Labour Code, Art. 112; no enacted amendment was found")
_CULTURE_NOTE = ("Vietnam Culture Day (24/11) ignored by the province's setting: no enacted legal basis "
                 "(Labour Code 2019, Art. 112 not yet amended)")

UNENACTED: tuple[UnenactedDay, ...] = tuple(
    UnenactedDay(date(year, 11, 24), "Vietnam Culture Day", "Ngày Văn hóa Việt Nam", _CULTURE_BASIS, _CULTURE_NOTE)
    for year in (2026, 2027)
)

#: English note -> Vietnamese, for every note this data can put into a calendar
NOTES_VI: dict[str, str] = {d.note: d.name_vi for d in DECISIONS}
NOTES_VI[_CULTURE_NOTE] = ("Ngày Văn hóa Việt Nam (24/11) không tính là ngày nghỉ theo thiết lập của tỉnh: "
                           "chưa có căn cứ pháp lý được ban hành (Điều 112 Bộ luật Lao động 2019 chưa được sửa đổi)")


def decision_for(day: date) -> CalendarDecision | None:
    return next((d for d in DECISIONS if d.day == day), None)


def unenacted_for(day: date) -> UnenactedDay | None:
    return next((d for d in UNENACTED if d.day == day), None)


def overrides(*, follow_unenacted: bool = True, decisions=DECISIONS) -> list[DayOverride]:
    """The shipped decisions as calendar overrides, plus, when the province ignores the
    days without an enacted basis, those days as working days."""
    found = [DayOverride(d.day, d.kind, d.note) for d in decisions]
    if not follow_unenacted:
        found += [DayOverride(u.day, "working_day", u.note) for u in UNENACTED]
    return found


#: days the package computes for which no official notice was found yet (checked 05/12/2026):
#: Tết 2027 (04-10/02/2027). Shown as estimates on the calendar page; counted as the package says.
ESTIMATES: dict[date, str] = {
    date(2027, 2, day): "Tết 2027: the holidays package's estimate; no official notice was found (checked 05/12/2026)"
    for day in range(4, 11)
}


def estimate_for(day: date) -> str | None:
    return ESTIMATES.get(day)
