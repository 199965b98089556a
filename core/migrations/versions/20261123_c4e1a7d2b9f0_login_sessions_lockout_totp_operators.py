"""login: server-side sessions, password history, lockout and TOTP columns, platform operators

Revision ID: c4e1a7d2b9f0
Revises: 1b9f5d6465a0
Create Date: 2026-11-23 13:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c4e1a7d2b9f0'
down_revision: str | Sequence[str] | None = '1b9f5d6465a0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _account_columns() -> list[sa.Column]:
    """Lockout, forced change and TOTP columns, on staff accounts and operators alike."""
    return [
        sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failed_logins', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('totp_secret', sa.String(length=255), nullable=True),
        sa.Column('totp_confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('totp_last_counter', sa.BigInteger(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        for column in _account_columns():
            batch_op.add_column(column)

    op.create_table('user_sessions',
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('pending_totp_secret', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_user_sessions_tenant_id_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_user_sessions_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('tenant_id', 'token_hash', name=op.f('uq_user_sessions_tenant_id_token_hash'))
    )
    op.create_index('ix_user_sessions_tenant_id_user_id', 'user_sessions', ['tenant_id', 'user_id'], unique=False)

    op.create_table('password_history',
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_password_history_tenant_id_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_password_history_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_password_history'))
    )
    op.create_index('ix_password_history_tenant_id_user_id', 'password_history', ['tenant_id', 'user_id'], unique=False)

    op.create_table('platform_users',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    *_account_columns(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_users')),
    sa.UniqueConstraint('username', name=op.f('uq_platform_users_username'))
    )

    op.create_table('platform_sessions',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('pending_totp_secret', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['platform_users.id'], name=op.f('fk_platform_sessions_user_id_platform_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_platform_sessions_token_hash'))
    )
    op.create_index(op.f('ix_platform_sessions_user_id'), 'platform_sessions', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_platform_sessions_user_id'), table_name='platform_sessions')
    op.drop_table('platform_sessions')
    op.drop_table('platform_users')
    op.drop_index('ix_password_history_tenant_id_user_id', table_name='password_history')
    op.drop_table('password_history')
    op.drop_index('ix_user_sessions_tenant_id_user_id', table_name='user_sessions')
    op.drop_table('user_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        for column in reversed(_account_columns()):
            batch_op.drop_column(column.name)
