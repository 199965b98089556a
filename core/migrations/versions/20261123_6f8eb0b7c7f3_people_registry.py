"""People registry (当事人): ID and phone numbers encrypted, with blind indexes

Revision ID: 6f8eb0b7c7f3
Revises: 006366ef24e5
Create Date: 2026-11-23 13:16:24.282111
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '6f8eb0b7c7f3'
down_revision: str | Sequence[str] | None = '006366ef24e5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('people',
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('gender', sa.Enum('0', '1', '2', '9', name='gender', native_enum=False, length=30), nullable=True),
    sa.Column('id_type', sa.Enum('resident_id', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_permanent_resident', 'military_officer', 'other', name='idtype', native_enum=False, length=30), nullable=False),
    sa.Column('id_number', sa.String(length=255), nullable=True),
    sa.Column('id_number_index', sa.String(length=64), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('phone', sa.String(length=255), nullable=True),
    sa.Column('phone_index', sa.String(length=64), nullable=True),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('ethnic_group', sa.String(length=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_people_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_people')),
    sa.UniqueConstraint('tenant_id', 'id_type', 'id_number_index', name=op.f('uq_people_tenant_id_id_type_id_number_index'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index('ix_people_tenant_name', ['tenant_id', 'name'], unique=False)
        batch_op.create_index('ix_people_tenant_phone_index', ['tenant_id', 'phone_index'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index('ix_people_tenant_phone_index')
        batch_op.drop_index('ix_people_tenant_name')

    op.drop_table('people')
