"""Initial schema: accounts, practitioners, clinics, licences, search index, geocode cache

Revision ID: 49d152193c25
Revises: 
Create Date: 2026-11-24 23:59:15.157345

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '49d152193c25'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('geocode_cache',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('query', sa.String(length=300), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_geocode_cache')),
    sa.UniqueConstraint('provider', 'query', name='uq_geocode_cache_provider_query')
    )
    op.create_table('search_cell',
    sa.Column('cell', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('lead_entries', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('cell', name=op.f('pk_search_cell'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('role', sa.Enum('patient', 'practitioner', 'admin', name='user_role'), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    op.create_table('practitioner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=140), nullable=False),
    sa.Column('credentials', sa.String(length=120), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('years_chronic_pain', sa.Integer(), nullable=False),
    sa.Column('back_pain_focus', sa.String(length=300), nullable=False),
    sa.Column('techniques', sa.JSON(), nullable=False),
    sa.Column('complementary_therapies', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('fee_initial_cents', sa.Integer(), nullable=True),
    sa.Column('fee_follow_up_cents', sa.Integer(), nullable=True),
    sa.Column('fee_currency', sa.String(length=3), nullable=False),
    sa.Column('sliding_scale', sa.Boolean(), nullable=False),
    sa.Column('insurance', sa.JSON(), nullable=False),
    sa.Column('accepting_new_patients', sa.Boolean(), nullable=False),
    sa.Column('npi', sa.String(length=10), nullable=True),
    sa.Column('nccaom_id', sa.String(length=6), nullable=True),
    sa.Column('cnt_certificate_on', sa.Date(), nullable=True),
    sa.Column('listing_state', sa.Enum('draft', 'listed', 'suspended', name='listing_state'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_practitioner_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practitioner')),
    sa.UniqueConstraint('slug', name=op.f('uq_practitioner_slug')),
    sa.UniqueConstraint('user_id', name=op.f('uq_practitioner_user_id'))
    )
    op.create_table('clinic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('region', sa.String(length=10), nullable=False),
    sa.Column('postal_code', sa.String(length=12), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('geocoded_by', sa.String(length=40), nullable=False),
    sa.Column('geocoded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_clinic_practitioner_id_practitioner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic'))
    )
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.create_index('ix_clinic_lat_lon', ['latitude', 'longitude'], unique=False)
        batch_op.create_index(batch_op.f('ix_clinic_practitioner_id'), ['practitioner_id'], unique=False)

    op.create_table('licence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('jurisdiction', sa.String(length=6), nullable=False),
    sa.Column('title', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('number_normalized', sa.String(length=40), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('board_status', sa.Enum('active', 'inactive', 'delinquent', 'expired', 'probation', 'suspended', 'revoked', 'surrendered', 'retired', name='board_status'), nullable=False),
    sa.Column('verification_state', sa.Enum('pending', 'verified', 'rejected', 'needs_changes', 'lapsed', name='verification_state'), nullable=False),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('check_results', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_licence_practitioner_id_practitioner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user_account.id'], name=op.f('fk_licence_verified_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licence'))
    )
    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.create_index('ix_licence_jurisdiction_number', ['jurisdiction', 'number_normalized'], unique=False)
        batch_op.create_index(batch_op.f('ix_licence_practitioner_id'), ['practitioner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_licence_verification_state'), ['verification_state'], unique=False)

    op.create_table('search_entry',
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('licence_id', sa.Integer(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('lon_bucket', sa.Integer(), nullable=False),
    sa.Column('cell', sa.Integer(), nullable=False),
    sa.Column('lead', sa.Boolean(), nullable=False),
    sa.Column('lead_latitude', sa.Float(), nullable=False),
    sa.Column('lead_longitude', sa.Float(), nullable=False),
    sa.Column('lead_expires_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('sort_name', sa.String(length=120), nullable=False),
    sa.Column('years_chronic_pain', sa.Integer(), nullable=False),
    sa.Column('accepting_new_patients', sa.Boolean(), nullable=False),
    sa.Column('techniques_key', sa.String(length=400), nullable=False),
    sa.Column('languages_key', sa.String(length=400), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_search_entry_clinic_id_clinic'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['licence_id'], ['licence.id'], name=op.f('fk_search_entry_licence_id_licence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_search_entry_practitioner_id_practitioner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', name=op.f('pk_search_entry'))
    )
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.create_index('ix_search_entry_bbox', ['lon_bucket', 'latitude', 'longitude', 'expires_on'], unique=False)
        batch_op.create_index('ix_search_entry_cell', ['cell', 'lead', 'expires_on', 'latitude', 'longitude'], unique=False)
        batch_op.create_index('ix_search_entry_expires_on', ['expires_on'], unique=False)
        batch_op.create_index('ix_search_entry_lead_expires_on', ['lead_expires_on'], unique=False)
        batch_op.create_index('ix_search_entry_lead_bbox', ['lon_bucket', 'lead', 'latitude', 'longitude', 'expires_on', 'practitioner_id', 'lead_latitude', 'lead_longitude', 'lead_expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entry_licence_id'), ['licence_id'], unique=False)
        batch_op.create_index('ix_search_entry_name', ['sort_name', 'practitioner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entry_practitioner_id'), ['practitioner_id'], unique=False)



def downgrade():
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entry_practitioner_id'))
        batch_op.drop_index('ix_search_entry_name')
        batch_op.drop_index(batch_op.f('ix_search_entry_licence_id'))
        batch_op.drop_index('ix_search_entry_lead_bbox')
        batch_op.drop_index('ix_search_entry_lead_expires_on')
        batch_op.drop_index('ix_search_entry_expires_on')
        batch_op.drop_index('ix_search_entry_cell')
        batch_op.drop_index('ix_search_entry_bbox')

    op.drop_table('search_entry')
    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_licence_verification_state'))
        batch_op.drop_index(batch_op.f('ix_licence_practitioner_id'))
        batch_op.drop_index('ix_licence_jurisdiction_number')

    op.drop_table('licence')
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clinic_practitioner_id'))
        batch_op.drop_index('ix_clinic_lat_lon')

    op.drop_table('clinic')
    op.drop_table('practitioner')
    op.drop_table('user_account')
    op.drop_table('search_cell')
    op.drop_table('geocode_cache')
    # PostgreSQL keeps enum types after their tables are gone.
    for name in ('verification_state', 'board_status', 'listing_state', 'user_role'):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
