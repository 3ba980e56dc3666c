"""The per-agency, per-year register of outgoing documents: numbers without gaps or duplicates.

The number is taken in the transaction that stores the document. On PostgreSQL the
register row is created if missing (INSERT ... ON CONFLICT DO NOTHING) and then locked
(SELECT ... FOR UPDATE): a second officer issuing at the same moment waits for the
first transaction to end and then reads the number it left. On SQLite the INSERT takes
the database's single write lock, which serialises issuers the same way (busy_timeout
makes the second wait). A transaction that fails rolls its number back with it.
"""
from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...extensions import db
from ...models import DocumentRegister


def take_number(agency_id: int, year: int, symbol_prefix: str) -> tuple[int, str]:
    """The next number of the agency's register for ``year``, and the register's prefix."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(DocumentRegister.__table__)
        .values(agency_id=agency_id, year=year, symbol_prefix=symbol_prefix, last_number=0)
        .on_conflict_do_nothing(index_elements=["agency_id", "year"])
    )
    table = DocumentRegister.__table__
    row = db.session.execute(
        db.select(table.c.id, table.c.last_number, table.c.symbol_prefix)
        .where(table.c.agency_id == agency_id, table.c.year == year).with_for_update()
    ).one()
    number = row.last_number + 1
    db.session.execute(table.update().where(table.c.id == row.id).values(last_number=number))
    return number, row.symbol_prefix
