"""denouncer identity encrypted at rest, pseudonymised copies, redactions

Revision ID: b8e1a0000001
Revises: 435432732ea3
Create Date: 2026-11-27 06:00:00

Parties' name, ID number, phone, e-mail and address become Fernet tokens (Text) under the
app's IDENTITY_KEYS, with a blind index of the ID number (id_number_digest, HMAC under
IDENTITY_INDEX_KEY). Existing plain-text rows are encrypted here: ``flask db upgrade`` runs
inside the app, so the keys come from current_app (in development the ones generated under
instance/). The downgrade decrypts them back.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8e1a0000001'
down_revision = '435432732ea3'
branch_labels = None
depends_on = None

SEALED = ("full_name", "id_number", "phone", "email", "address")
OLD_TYPES = {"full_name": sa.String(120), "id_number": sa.String(12), "phone": sa.String(20),
             "email": sa.String(200), "address": sa.String(300)}
BATCH = 1000


def _convert(transform, digest):
    """Rewrite every party's identity columns with ``transform``, in batches by id."""
    bind = op.get_bind()
    parties = sa.table("parties", sa.column("id", sa.Integer), *[sa.column(c, sa.Text) for c in SEALED])
    sets = ", ".join(f"{c} = :{c}" for c in SEALED) + (", id_number_digest = :id_number_digest" if digest else "")
    update = sa.text(f"UPDATE parties SET {sets} WHERE id = :id")
    last = 0
    while True:
        rows = bind.execute(sa.select(parties).where(parties.c.id > last).order_by(parties.c.id)
                            .limit(BATCH)).mappings().all()
        if not rows:
            return
        last = rows[-1]["id"]
        params = []
        for row in rows:
            values = {"id": row["id"], **{c: transform(row[c]) for c in SEALED}}
            if digest:
                values["id_number_digest"] = digest(row["id_number"])
            params.append(values)
        bind.execute(update, params)


def _has_rows(table: str = "parties") -> bool:
    return op.get_bind().execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None


def _convert_visitors(transform):
    """A visitor received at a session may be a denouncer: the name is sealed too."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, visitor_name FROM reception_visits")).all()
    if rows:
        bind.execute(sa.text("UPDATE reception_visits SET visitor_name = :v WHERE id = :id"),
                     [{"id": r[0], "v": transform(r[1])} for r in rows])


def _convert_notifications(transform):
    """A filer's mail keeps the filer's own address: notifications.email is sealed too."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, email FROM notifications WHERE id > :last AND email IS NOT NULL "
                                    "ORDER BY id LIMIT :n"), {"last": last, "n": BATCH}).all()
        if not rows:
            return
        last = rows[-1][0]
        bind.execute(sa.text("UPDATE notifications SET email = :v WHERE id = :id"),
                     [{"id": r[0], "v": transform(r[1])} for r in rows])


def upgrade():
    with op.batch_alter_table('parties', schema=None) as batch_op:
        for name, old in OLD_TYPES.items():
            batch_op.alter_column(name, existing_type=old, type_=sa.Text(), existing_nullable=True)
        batch_op.add_column(sa.Column('id_number_digest', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_parties_id_number_digest'), ['id_number_digest'], unique=False)

    if _has_rows():
        # nothing to encrypt on an empty database: no key is needed then
        from flask import current_app
        from petitions.services import crypto
        app = current_app._get_current_object()
        _convert(lambda v: crypto.encrypt(v, app), lambda v: crypto.id_digest(v, app))

    with op.batch_alter_table('reception_visits', schema=None) as batch_op:
        batch_op.alter_column('visitor_name', existing_type=sa.String(120), type_=sa.Text(), existing_nullable=False)
    if _has_rows("reception_visits"):
        from flask import current_app
        from petitions.services import crypto
        app = current_app._get_current_object()
        _convert_visitors(lambda v: crypto.encrypt(v, app))

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(200), type_=sa.Text(), existing_nullable=True)
    if _has_rows("notifications"):
        from flask import current_app
        from petitions.services import crypto
        app = current_app._get_current_object()
        _convert_notifications(lambda v: crypto.encrypt(v, app))

    op.create_table('redactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('passage', sa.Text(), nullable=True),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('pages', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(passage IS NULL) <> (attachment_id IS NULL)',
                       name=op.f('ck_redactions_passage_or_attachment')),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], name=op.f('fk_redactions_attachment_id_attachments'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_redactions_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_redactions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redactions'))
    )
    with op.batch_alter_table('redactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redactions_case_id'), ['case_id'], unique=False)

    op.create_table('pseudonymised_copies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('prepared_by_id', sa.Integer(), nullable=False),
    sa.Column('prepared_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_pseudonymised_copies_case_id_cases'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['users.id'], name=op.f('fk_pseudonymised_copies_prepared_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pseudonymised_copies')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_pseudonymised_copies_stored_name'))
    )
    with op.batch_alter_table('pseudonymised_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pseudonymised_copies_case_id'), ['case_id'], unique=False)


def downgrade():
    if _has_rows("notifications"):
        from flask import current_app
        from petitions.services import crypto
        app = current_app._get_current_object()
        _convert_notifications(lambda v: crypto.decrypt(v, app))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.Text(), type_=sa.String(200), existing_nullable=True)
    if _has_rows("reception_visits"):
        from flask import current_app
        from petitions.services import crypto
        app = current_app._get_current_object()
        _convert_visitors(lambda v: crypto.decrypt(v, app))
    with op.batch_alter_table('reception_visits', schema=None) as batch_op:
        batch_op.alter_column('visitor_name', existing_type=sa.Text(), type_=sa.String(120), existing_nullable=False)
    with op.batch_alter_table('pseudonymised_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pseudonymised_copies_case_id'))
    op.drop_table('pseudonymised_copies')
    with op.batch_alter_table('redactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redactions_case_id'))
    op.drop_table('redactions')

    if _has_rows():
        from flask import current_app
        from petitions.services import crypto
        app = current_app._get_current_object()
        _convert(lambda v: crypto.decrypt(v, app), None)
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parties_id_number_digest'))
        batch_op.drop_column('id_number_digest')
        for name, old in OLD_TYPES.items():
            batch_op.alter_column(name, existing_type=sa.Text(), type_=old, existing_nullable=True)
