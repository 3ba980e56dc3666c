"""the nearest running due date kept on the case, for the officer queue

Revision ID: b8e1a0000005
Revises: b8e1a0000004
Create Date: 2026-11-27 07:45:00

``cases.next_due_on``: min(due_on) of the case's running limits (not completed, not
paused, not the filer's own limit), NULL when none. Kept by the before_flush listener
services/workflow._keep_next_due. The queue sorts on it through
``ix_cases_agency_next_due (agency_id, next_due_on, id)`` instead of a correlated
subquery over every case of the agency. Backfilled here by one set-based UPDATE.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8e1a0000005'
down_revision = 'b8e1a0000004'
branch_labels = None
depends_on = None

# petitions.workflow.deadlines.FILER_STEPS, frozen as of this revision
FILER_STEPS = ("complaint2-filing",)


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_due_on', sa.Date(), nullable=True))
    filer = ", ".join(f"'{s}'" for s in FILER_STEPS)
    op.execute(
        "UPDATE cases SET next_due_on = (SELECT min(d.due_on) FROM deadlines d WHERE d.case_id = cases.id "
        f"AND d.completed_on IS NULL AND d.paused_on IS NULL AND d.step NOT IN ({filer}))"
        # only cases that have a running limit: the rest stay NULL without a row rewrite
        " WHERE EXISTS (SELECT 1 FROM deadlines d WHERE d.case_id = cases.id "
        f"AND d.completed_on IS NULL AND d.paused_on IS NULL AND d.step NOT IN ({filer}))"
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_agency_next_due', ['agency_id', 'next_due_on', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_agency_next_due')
        batch_op.drop_column('next_due_on')
