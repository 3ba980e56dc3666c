"""the search index's pending list flushed in smaller steps (PostgreSQL only)

Revision ID: c21000000001
Revises: c19000000002
Create Date: 2026-12-06 23:05:00

Issue 18. New letters' trigrams go to the GIN index's pending list; the filing that finds the
list over ``gin_pending_list_limit`` merges it into the index, in its own request. At the
server's default (4 MB, about 800 letters) one merge took 62 ms at a million cases, stalling
that filing and the ones queued behind it (the filing's p99). At 1 MB a merge holds a quarter
of the letters and takes a quarter of the time; a search also reads a shorter list. The
bench (`ONLY=filing make bench`, 1,000,000 cases, the same code): 264.9 req/s and p99 104 ms
at 4 MB, 288.6 req/s and p99 89 ms at 1 MB.
"""
from alembic import op


revision = 'c21000000001'
down_revision = 'c19000000002'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX IF EXISTS pgonly_cases_search_trgm SET (gin_pending_list_limit = 1024)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX IF EXISTS pgonly_cases_search_trgm RESET (gin_pending_list_limit)")
