"""Administrative units and the agencies that receive and handle letters."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class AdminUnit(db.Model):
    """A province or a commune/ward/special zone, as after the 1 July 2025 reform.

    Loaded from the ``vietnam-provinces`` package. Older records may still name the
    district a commune belonged to before the reform (``historical_district``).
    """

    __tablename__ = "admin_units"
    __table_args__ = (CheckConstraint("level IN ('province', 'commune')", name="level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    division_type: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    historical_district: Mapped[str | None] = mapped_column(String(120))
    # "vùng sâu, vùng xa": lengthens complaint time limits (Law on Complaints Art. 28, 37)
    is_remote: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    parent: Mapped[AdminUnit | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<AdminUnit {self.code} {self.name}>"


class Agency(db.Model):
    """A body that receives letters: the provincial People's Committee, a department,
    the provincial inspectorate, a commune People's Committee, ..."""

    __tablename__ = "agencies"
    __table_args__ = (
        CheckConstraint("level IN ('province', 'commune')", name="level"),
        CheckConstraint(
            "category IN ('people_committee', 'department', 'inspectorate', 'reception_board', 'other')",
            name="category",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    admin_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(200))

    parent: Mapped[Agency | None] = relationship(remote_side=[id])
    admin_unit: Mapped[AdminUnit | None] = relationship()

    @property
    def is_inspectorate(self) -> bool:
        return self.category == "inspectorate"

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"
