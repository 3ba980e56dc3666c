"""the communes' People's Committees named with the unit type in lower case

Revision ID: c17000000001
Revises: c18000000001
Create Date: 2026-12-05 14:40:00

"Ủy ban nhân dân Phường Thành Vinh" -> "Ủy ban nhân dân phường Thành Vinh": Vietnamese
writes the kind of unit in lower case inside a name (services/units.committee_name).
Data only; the names are read and written in Python so that SQLite and PostgreSQL do
the same (neither lower-cases "Đ" in LIKE the same way).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c17000000001'
down_revision = 'c18000000001'
branch_labels = None
depends_on = None

PREFIX = "Ủy ban nhân dân "
# services/units.DIVISION_WORDS, frozen as of this revision
WORDS = ("Xã", "Phường", "Đặc khu", "Thị trấn", "Thành phố", "Tỉnh")


def _rename(lower: bool):
    conn = op.get_bind()
    agencies = sa.table("agencies", sa.column("id", sa.Integer), sa.column("name", sa.String),
                        sa.column("level", sa.String))
    rows = conn.execute(sa.select(agencies.c.id, agencies.c.name).where(agencies.c.level == "commune")).all()
    for agency_id, name in rows:
        if not name or not name.startswith(PREFIX):
            continue
        rest = name[len(PREFIX):]
        for word in WORDS:
            old, new = (word, word.lower()) if lower else (word.lower(), word)
            if rest.startswith(old + " "):
                conn.execute(agencies.update().where(agencies.c.id == agency_id)
                             .values(name=PREFIX + new + rest[len(old):]))
                break


def upgrade():
    _rename(lower=True)


def downgrade():
    _rename(lower=False)
