"""Names with the silent gh of English "eigh" ("Eastleigh") get the consonant skeleton that
Arabic spellings are looked up by ("إيستلي" is s-t-l, not s-t-l-g). Only the skeleton column
of those names changes; a gazetteer loaded afresh computes it the same way.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from ewn.geo.names import skeleton

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NAMES = sa.table(
    "place_names",
    sa.column("id", sa.Integer),
    sa.column("joined", sa.Text),
    sa.column("skeleton", sa.Text),
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(NAMES.c.id, NAMES.c.joined).where(NAMES.c.joined.like("%eigh%"))
    ).all()
    for row_id, joined in rows:
        connection.execute(
            NAMES.update().where(NAMES.c.id == row_id).values(skeleton=skeleton(joined))
        )


def downgrade() -> None:
    """The older skeletons are not restored: they only found fewer Arabic spellings."""
