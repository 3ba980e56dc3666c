"""official documents: numbering register, issued documents, templates

Revision ID: b8e1a0000003
Revises: b8e1a0000002
Create Date: 2026-11-27 06:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'b8e1a0000003'
down_revision = 'b8e1a0000002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_registers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('symbol_prefix', sa.String(length=20), nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_document_registers_agency_id_agencies')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_registers')),
        sa.UniqueConstraint('agency_id', 'year', name='uq_document_registers_agency_year'),
    )
    op.create_table(
        'document_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('stored_name', sa.String(length=80), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_document_templates_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_templates')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_document_templates_stored_name')),
    )
    with op.batch_alter_table('document_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_templates_kind'), ['kind'], unique=False)
    op.create_table(
        'issued_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('urging_id', sa.Integer(), nullable=True),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('dated_on', sa.Date(), nullable=False),
        sa.Column('symbol', sa.String(length=60), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('supersedes_id', sa.Integer(), nullable=True),
        sa.Column('recipient', sa.String(length=40), nullable=False),
        sa.Column('recipient_label', sa.String(length=300), nullable=False),
        sa.Column('variant', sa.String(length=20), nullable=False),
        sa.Column('docx_name', sa.String(length=80), nullable=False),
        sa.Column('docx_sha256', sa.String(length=64), nullable=False),
        sa.Column('pdf_name', sa.String(length=80), nullable=True),
        sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
        sa.Column('pdf_error', sa.String(length=300), nullable=True),
        sa.Column('template_id', sa.Integer(), nullable=True),
        sa.Column('issued_by_id', sa.Integer(), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("variant IN ('full', 'pseudonymised')", name=op.f('ck_issued_documents_variant')),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_issued_documents_agency_id_agencies')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_issued_documents_case_id_cases')),
        sa.ForeignKeyConstraint(['event_id'], ['case_events.id'],
                                name=op.f('fk_issued_documents_event_id_case_events')),
        sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_issued_documents_issued_by_id_users')),
        sa.ForeignKeyConstraint(['supersedes_id'], ['issued_documents.id'],
                                name=op.f('fk_issued_documents_supersedes_id_issued_documents')),
        sa.ForeignKeyConstraint(['template_id'], ['document_templates.id'],
                                name=op.f('fk_issued_documents_template_id_document_templates')),
        sa.ForeignKeyConstraint(['urging_id'], ['urgings.id'], name=op.f('fk_issued_documents_urging_id_urgings')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_documents')),
        sa.UniqueConstraint('agency_id', 'year', 'number', 'version', name='uq_issued_documents_number_version'),
        sa.UniqueConstraint('docx_name', name=op.f('uq_issued_documents_docx_name')),
        sa.UniqueConstraint('pdf_name', name=op.f('uq_issued_documents_pdf_name')),
    )
    with op.batch_alter_table('issued_documents', schema=None) as batch_op:
        batch_op.create_index('ix_issued_documents_event', ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_documents_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_documents_urging_id'), ['urging_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_documents_agency_id'), ['agency_id'], unique=False)


def downgrade():
    with op.batch_alter_table('issued_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_documents_agency_id'))
        batch_op.drop_index(batch_op.f('ix_issued_documents_urging_id'))
        batch_op.drop_index(batch_op.f('ix_issued_documents_case_id'))
        batch_op.drop_index('ix_issued_documents_event')
    op.drop_table('issued_documents')
    with op.batch_alter_table('document_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_templates_kind'))
    op.drop_table('document_templates')
    op.drop_table('document_registers')
