"""Contact groups choose their alert wording by template name (full, minimal, or a deployment's
own template) instead of a minimal flag.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact_groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("template", sa.String(length=40), nullable=False, server_default="full")
        )
    op.execute("UPDATE contact_groups SET template = 'minimal' WHERE minimal")
    with op.batch_alter_table("contact_groups", schema=None) as batch_op:
        batch_op.alter_column("template", server_default=None)
        batch_op.drop_column("minimal")


def downgrade() -> None:
    with op.batch_alter_table("contact_groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("minimal", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # A deployment's own template has no flag: its discretion is kept as minimal.
    op.execute("UPDATE contact_groups SET minimal = (template <> 'full')")
    with op.batch_alter_table("contact_groups", schema=None) as batch_op:
        batch_op.alter_column("minimal", server_default=None)
        batch_op.drop_column("template")
