"""roles remember seeded permissions

Revision ID: 3d7a41836b80
Revises: 6f8eb0b7c7f3
Create Date: 2026-11-23 14:22:32.713073
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3d7a41836b80'
down_revision: str | Sequence[str] | None = '6f8eb0b7c7f3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seeded_permissions', sa.JSON(), nullable=True))
    # Existing roles: what they hold now counts as offered, so nothing removed comes back.
    op.execute("UPDATE roles SET seeded_permissions = permissions")
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.alter_column('seeded_permissions', existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.drop_column('seeded_permissions')
