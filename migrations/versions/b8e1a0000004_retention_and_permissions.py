"""personal data retention settings and anonymisation marks

Revision ID: b8e1a0000004
Revises: b8e1a0000003
Create Date: 2026-11-27 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8e1a0000004'
down_revision = 'b8e1a0000003'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
