"""denouncer identity encrypted at rest, pseudonymised copies, redactions

Revision ID: b8e1a0000001
Revises: 435432732ea3
Create Date: 2026-11-27 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8e1a0000001'
down_revision = '435432732ea3'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
