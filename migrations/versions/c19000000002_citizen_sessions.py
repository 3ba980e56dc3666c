"""citizens signed in with VNeID: their server-side sessions; a party's identity vouched for

Revision ID: c19000000002
Revises: c19000000001
Create Date: 2026-12-07 09:00:00

- ``citizen_sessions``: one row per browser signed in with VNeID (the token's SHA-256, the
  verified ID number's blind index, the name, number and ID token sealed), apart from the
  officers' ``user_sessions``.
- ``parties.verified_by``: 'vneid' when the name and ID number came from the identity provider.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c19000000002'
down_revision = 'c19000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'citizen_sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('id_number_digest', sa.String(length=64), nullable=False),
        sa.Column('full_name', sa.Text(), nullable=True),
        sa.Column('id_number', sa.Text(), nullable=False),
        sa.Column('id_token', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('citizen_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citizen_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizen_sessions_id_number_digest'), ['id_number_digest'],
                              unique=False)
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_by', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_column('verified_by')
    with op.batch_alter_table('citizen_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizen_sessions_id_number_digest'))
        batch_op.drop_index(batch_op.f('ix_citizen_sessions_expires_at'))
    op.drop_table('citizen_sessions')
