"""per-day summary rows of the target 4 figures, backfilled

Revision ID: c18000000001
Revises: c14000000001
Create Date: 2026-12-05 14:30:00

``report_days``: counters per day (grain 'd') and per month (grain 'm'), agency, commune,
kind and copy_of, from which reports.target4 assembles any period (services/summaries.py
explains each counter). Kept by session listeners in the transaction that changes a case,
a limit or an event; filled here from the existing cases by one INSERT ... SELECT.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c18000000001'
down_revision = 'c14000000001'
branch_labels = None
depends_on = None

MEASURES = (
    "l_received", "l_ended", "l_on_time", "l_late", "l_fresh_end", "l_overdue_from", "l_overdue_end",
    "k_started", "k_ended", "k_resolved", "k_on_time", "k_late", "k_withdrawn",
    "k_correct", "k_partly_correct", "k_wrong", "k_overdue_from", "k_overdue_end",
)


def upgrade():
    op.create_table(
        'report_days',
        sa.Column('grain', sa.String(length=1), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('agency_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('commune_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('copy_of', sa.Integer(), autoincrement=False, nullable=False),
        *[sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in MEASURES],
        sa.PrimaryKeyConstraint('commune_id', 'grain', 'day', 'agency_id', 'kind', 'copy_of', name='pk_report_days'),
    )
    if op.get_bind().dialect.name == 'postgresql':
        # room on each page for the updated row (HOT updates keep a day's rows together)
        op.execute("ALTER TABLE report_days SET (fillfactor = 70)")
    # the backfill: the same SELECT the application uses to rebuild (services/summaries.py)
    from petitions.services.summaries import rebuild
    rebuild(op.get_bind())


def downgrade():
    op.drop_table('report_days')
