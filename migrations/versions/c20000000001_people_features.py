"""people features: representatives of a joint letter, sessions chaired on authority,
dialogue commitments with an owner and a result, the People's Council office role

Revision ID: c20000000001
Revises: b8e1a0000005
Create Date: 2026-12-05 14:30:00

- ``parties.representative``: a signer appointed to represent a joint letter (the first
  filer may be one); backfilled from the co-signers whose role is 'representative'.
- ``reception_sessions.authorised_by_id`` and ``authorisation``: a deputy chairs on the
  head's written authority; the session counts for that head's reception duty.
- ``commitments.owner_id`` (the responsible officer) and ``result`` (what was done).
- ``user_roles``: the CHECK constraint admits the role 'council'.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c20000000001'
down_revision = 'b8e1a0000005'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('reception', 'handler', 'head', 'inspector', 'admin')"
NEW_ROLES = "role IN ('reception', 'handler', 'head', 'inspector', 'admin', 'council')"


def upgrade():
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('representative', sa.Boolean(), server_default=sa.text('false'),
                                      nullable=False))
    op.execute("UPDATE parties SET representative = true WHERE role = 'representative'")
    with op.batch_alter_table('reception_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('authorised_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('authorisation', sa.String(length=300), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reception_sessions_authorised_by_id_users'), 'users',
                                    ['authorised_by_id'], ['id'])
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('result', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_commitments_owner_id'), ['owner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_commitments_owner_id_users'), 'users', ['owner_id'], ['id'])
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_roles_role'), type_='check')
        batch_op.create_check_constraint('role', sa.text(NEW_ROLES))


def downgrade():
    op.execute("DELETE FROM user_roles WHERE role = 'council'")
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_roles_role'), type_='check')
        batch_op.create_check_constraint('role', sa.text(OLD_ROLES))
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_commitments_owner_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_commitments_owner_id'))
        batch_op.drop_column('result')
        batch_op.drop_column('owner_id')
    with op.batch_alter_table('reception_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reception_sessions_authorised_by_id_users'), type_='foreignkey')
        batch_op.drop_column('authorisation')
        batch_op.drop_column('authorised_by_id')
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_column('representative')
