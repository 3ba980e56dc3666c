"""one outbox for everything that leaves: the notifications table takes channels,
idempotency keys and leases; filers choose and consent to SMS or Zalo notices

Revision ID: c19000000001
Revises: c17000000001
Create Date: 2026-12-06 09:00:00

- ``notifications.channel`` (email, sms, zalo, national; default email, so a plain INSERT of
  the older columns still writes an e-mail row), ``address`` (a phone, sealed),
  ``idempotency_key`` (unique), ``lease_until`` and ``claimed_by`` (a worker's claim),
  ``gateway_ref`` (what the gateway answered).
- statuses 'sending' (claimed) and 'dead' (given up: the dead-letter list); the rows that
  were 'failed' (given up, before this revision) become 'dead', since 'failed' now means
  "the last try failed, retried after the back-off".
- ``parties.notify_channel`` (email, sms, zalo, none) and ``notify_consent_at``: how the
  filer chose to be told, and when they agreed to it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c19000000001'
down_revision = 'c17000000001'
branch_labels = None
depends_on = None

OLD_STATUS = "status IN ('pending', 'digest', 'sent', 'failed', 'none')"
NEW_STATUS = "status IN ('pending', 'digest', 'sending', 'sent', 'failed', 'dead', 'none')"
OLD_PENDING = "status IN ('pending', 'digest')"
NEW_PENDING = "status IN ('pending', 'digest', 'sending', 'failed')"


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=10), server_default='email', nullable=False))
        batch_op.add_column(sa.Column('address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('gateway_ref', sa.String(length=200), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_notifications_status'), type_='check')
        batch_op.drop_index('ix_notifications_pending', sqlite_where=sa.text(OLD_PENDING),
                            postgresql_where=sa.text(OLD_PENDING))
    op.execute("UPDATE notifications SET status = 'dead' WHERE status = 'failed'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_check_constraint('status', sa.text(NEW_STATUS))
        batch_op.create_check_constraint('channel', sa.text("channel IN ('email', 'sms', 'zalo', 'national')"))
        batch_op.create_unique_constraint('uq_notifications_idempotency_key', ['idempotency_key'])
        batch_op.create_index('ix_notifications_pending', ['status'], unique=False,
                              sqlite_where=sa.text(NEW_PENDING), postgresql_where=sa.text(NEW_PENDING))
        batch_op.create_index('ix_notifications_national_case', ['case_id', 'id'], unique=False,
                              sqlite_where=sa.text("channel = 'national'"),
                              postgresql_where=sa.text("channel = 'national'"))
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_channel', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('notify_consent_at', sa.DateTime(), nullable=True))
        batch_op.create_check_constraint('notify_channel',
                                         sa.text("notify_channel IN ('email', 'sms', 'zalo', 'none')"))


def downgrade():
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_parties_notify_channel'), type_='check')
        batch_op.drop_column('notify_consent_at')
        batch_op.drop_column('notify_channel')
    op.execute("DELETE FROM notifications WHERE channel <> 'email'")
    op.execute("UPDATE notifications SET status = 'pending', lease_until = NULL WHERE status = 'sending'")
    op.execute("UPDATE notifications SET status = 'pending' WHERE status = 'failed'")
    op.execute("UPDATE notifications SET status = 'failed' WHERE status = 'dead'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_national_case', sqlite_where=sa.text("channel = 'national'"),
                            postgresql_where=sa.text("channel = 'national'"))
        batch_op.drop_index('ix_notifications_pending', sqlite_where=sa.text(NEW_PENDING),
                            postgresql_where=sa.text(NEW_PENDING))
        batch_op.drop_constraint('uq_notifications_idempotency_key', type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_notifications_channel'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_notifications_status'), type_='check')
        batch_op.create_check_constraint('status', sa.text(OLD_STATUS))
        batch_op.create_index('ix_notifications_pending', ['status'], unique=False,
                              sqlite_where=sa.text(OLD_PENDING), postgresql_where=sa.text(OLD_PENDING))
        batch_op.drop_column('gateway_ref')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('idempotency_key')
        batch_op.drop_column('address')
        batch_op.drop_column('channel')
