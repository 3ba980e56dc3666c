"""accounts: TOTP, session generation, password changes

Revision ID: b8e1a0000002
Revises: b8e1a0000001
Create Date: 2026-11-27 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8e1a0000002'
down_revision = 'b8e1a0000001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
