"""personal data retention settings and anonymisation marks

Revision ID: b8e1a0000004
Revises: b8e1a0000003
Create Date: 2026-11-27 06:00:00

``retention_settings``: the retention period of each kind of personal data (a row only
when an administrator changed the default of services/retention.py).
``case_anonymisations``: the closed cases whose personal data were anonymised (the mark
that makes ``flask privacy anonymise`` idempotent). The permission table itself is code
(petitions/permissions.py): no table.
"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'b8e1a0000004'
down_revision = 'b8e1a0000003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'retention_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('years', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('years > 0 AND years <= 100', name=op.f('ck_retention_settings_years')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_retention_settings_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_settings')),
        sa.UniqueConstraint('kind', name=op.f('uq_retention_settings_kind')),
    )
    op.create_table(
        'case_anonymisations',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('anonymised_on', sa.Date(), nullable=False),
        sa.Column('details', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_anonymisations_case_id_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_anonymisations')),
    )


def downgrade():
    op.drop_table('case_anonymisations')
    op.drop_table('retention_settings')
