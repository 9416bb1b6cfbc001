"""Gazetteer (places, names, variants, admin areas, geocoder cache) and report locations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("radius_km", sa.Double(), nullable=True),
        sa.Column("boundary", sa.Text(), nullable=True),
        sa.Column("min_lat", sa.Double(), nullable=True),
        sa.Column("max_lat", sa.Double(), nullable=True),
        sa.Column("min_lon", sa.Double(), nullable=True),
        sa.Column("max_lon", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_areas")),
        sa.UniqueConstraint(
            "country", "level", "code", name=op.f("uq_admin_areas_country_level_code")
        ),
    )
    op.create_table(
        "geocode_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geocode_cache")),
        sa.UniqueConstraint("provider", "query", name=op.f("uq_geocode_cache_provider_query")),
    )
    op.create_table(
        "place_name_variants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.Text(), nullable=False),
        sa.Column("joined", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_name_variants")),
        sa.UniqueConstraint(
            "variant", "joined", name=op.f("uq_place_name_variants_variant_joined")
        ),
    )
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("feature_class", sa.String(length=1), nullable=False),
        sa.Column("feature_code", sa.String(length=10), nullable=False),
        sa.Column("population", sa.BigInteger(), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=False),
        sa.Column("longitude", sa.Double(), nullable=False),
        sa.Column("admin1", sa.String(length=20), nullable=False),
        sa.Column("admin2", sa.String(length=80), nullable=False),
        sa.Column("cell", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_places_source_source_id")),
    )
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_places_cell"), ["cell"], unique=False)

    op.create_table(
        "place_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("joined", sa.Text(), nullable=False),
        sa.Column("skeleton", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_place_names_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_names")),
        sa.UniqueConstraint(
            "place_id", "key", "kind", name=op.f("uq_place_names_place_id_key_kind")
        ),
    )
    with op.batch_alter_table("place_names", schema=None) as batch_op:
        batch_op.create_index("ix_place_names_joined", ["joined"], unique=False)
        batch_op.create_index(batch_op.f("ix_place_names_place_id"), ["place_id"], unique=False)
        batch_op.create_index("ix_place_names_skeleton", ["skeleton"], unique=False)

    op.create_table(
        "location_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=False),
        sa.Column("longitude", sa.Double(), nullable=False),
        sa.Column("wording", sa.Text(), nullable=True),
        sa.Column("previous", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_location_corrections_place_id_places")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_location_corrections_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location_corrections")),
    )
    with op.batch_alter_table("location_corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_location_corrections_report_id"), ["report_id"], unique=False
        )

    op.create_table(
        "report_areas",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("approximate", sa.Boolean(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["admin_areas.id"], name=op.f("fk_report_areas_area_id_admin_areas")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_areas_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "area_id", name=op.f("pk_report_areas")),
    )
    with op.batch_alter_table("report_areas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_areas_area_id"), ["area_id"], unique=False)

    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("home_place_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_monitors_home_place_id_places"), "places", ["home_place_id"], ["id"]
        )

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "location_status", sa.String(length=12), nullable=False, server_default="pending"
            )
        )
        batch_op.add_column(sa.Column("place_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("place_name", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("location_confidence", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("location_radius_km", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("location_wording", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("location_evidence", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("located_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ask_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_place_id_places"), "places", ["place_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reports_place_id_places"), type_="foreignkey")
        batch_op.drop_column("ask_until")
        batch_op.drop_column("located_at")
        batch_op.drop_column("location_evidence")
        batch_op.drop_column("location_wording")
        batch_op.drop_column("location_radius_km")
        batch_op.drop_column("location_confidence")
        batch_op.drop_column("place_name")
        batch_op.drop_column("place_id")
        batch_op.drop_column("location_status")

    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_monitors_home_place_id_places"), type_="foreignkey")
        batch_op.drop_column("home_place_id")

    with op.batch_alter_table("report_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_areas_area_id"))

    op.drop_table("report_areas")
    with op.batch_alter_table("location_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_corrections_report_id"))

    op.drop_table("location_corrections")
    with op.batch_alter_table("place_names", schema=None) as batch_op:
        batch_op.drop_index("ix_place_names_skeleton")
        batch_op.drop_index(batch_op.f("ix_place_names_place_id"))
        batch_op.drop_index("ix_place_names_joined")

    op.drop_table("place_names")
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_places_cell"))

    op.drop_table("places")
    op.drop_table("place_name_variants")
    op.drop_table("geocode_cache")
    op.drop_table("admin_areas")
