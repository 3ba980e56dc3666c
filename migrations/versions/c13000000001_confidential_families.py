"""the confidentiality rule per family: every case linked to a denunciation is marked

Revision ID: c13000000001
Revises: c20000000001
Create Date: 2026-12-05 15:10:00

A letter split into a complaint and a denunciation, a complaint attached to a denunciation
as a repeat, a forwarded copy: every case of a family (cases linked through ``parent_id``,
either way) that holds a denunciation gets ``cases.confidential`` (services/confidentiality.py
keeps the rule from now on). The marked cases' search text is rebuilt without the filers'
names. Data only; the downgrade keeps the marks (a denouncer's protection is not undone).
"""
import sqlalchemy as sa
from alembic import op


revision = 'c13000000001'
down_revision = 'c20000000001'
branch_labels = None
depends_on = None


def upgrade():
    from petitions.services.confidentiality import apply_to_all, refresh_search_text
    bind = op.get_bind()
    marked = apply_to_all(bind)
    if marked:
        from sqlalchemy.orm import Session
        session = Session(bind=bind)
        refresh_search_text(session, marked)
        session.flush()


def downgrade():
    pass
