"""official calendar decisions shipped as data; what the second pass of the law records on a case

Revision ID: c16000000001
Revises: c13000000001
Create Date: 2026-12-05 14:50:00

- ``calendar_overrides.source`` and ``.data_version``: the decision a shipped day cites and the
  version of the shipped data (``petitions/workflow/calendar_decisions.py``); NULL for a day an
  administrator recorded.
- The decisions of data version 2026-12-05 are inserted for the days nobody decided yet (an
  administrator's row for the same day is kept), so that an existing installation counts them
  without running ``flask seed units`` again. Running due dates do not move: the administrator
  recomputes them on the calendar page, on the record.
- ``cases.extension_lengths`` (JSON list of days), ``cases.several_places_days``,
  ``cases.complexity_basis`` (JSON), ``cases.decision_received_on``.
"""
from datetime import date, datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c16000000001'
down_revision = 'c13000000001'
branch_labels = None
depends_on = None

# petitions.workflow.calendar_decisions, frozen as of this revision
DATA_VERSION = "2026-12-05"
_SOURCE = "Công văn 12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ"
DECISIONS = (
    (date(2026, 1, 2), "day_off",
     "New Year 2026 decision: day off, swapped with Saturday 10/01/2026 (Government Office letter "
     "12729/VPCP-KGVX of 25/12/2025)"),
    (date(2026, 1, 10), "working_day",
     "New Year 2026 decision: Saturday worked in exchange for Friday 02/01/2026 (Government Office "
     "letter 12729/VPCP-KGVX of 25/12/2025)"),
)


def upgrade():
    with op.batch_alter_table('calendar_overrides', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('data_version', sa.String(length=20), nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extension_lengths', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('several_places_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('complexity_basis', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('decision_received_on', sa.Date(), nullable=True))

    overrides = sa.table('calendar_overrides', sa.column('day', sa.Date), sa.column('kind', sa.String),
                         sa.column('note', sa.String), sa.column('source', sa.String),
                         sa.column('data_version', sa.String), sa.column('created_at', sa.DateTime))
    bind = op.get_bind()
    taken = {row[0] for row in bind.execute(sa.select(overrides.c.day).where(
        overrides.c.day.in_([d for d, _, _ in DECISIONS])))}
    rows = [{"day": d, "kind": kind, "note": note, "source": _SOURCE, "data_version": DATA_VERSION,
             "created_at": datetime.now(timezone.utc).replace(tzinfo=None)} for d, kind, note in DECISIONS if d not in taken]
    for row in rows:
        bind.execute(overrides.insert().values(**row))


def downgrade():
    op.execute(f"DELETE FROM calendar_overrides WHERE data_version = '{DATA_VERSION}'")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('decision_received_on')
        batch_op.drop_column('complexity_basis')
        batch_op.drop_column('several_places_days')
        batch_op.drop_column('extension_lengths')
    with op.batch_alter_table('calendar_overrides', schema=None) as batch_op:
        batch_op.drop_column('data_version')
        batch_op.drop_column('source')
