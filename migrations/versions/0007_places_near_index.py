"""Places near a point are read from one covering index (cell, then latitude, longitude and
what the area vote needs), so a denser gazetteer costs index entries, not table lookups.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NEAR = ["cell", "latitude", "longitude", "feature_class", "country", "admin1"]


def upgrade() -> None:
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_places_cell"))
        batch_op.create_index("ix_places_near", NEAR, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index("ix_places_near")
        batch_op.create_index(batch_op.f("ix_places_cell"), ["cell"], unique=False)
