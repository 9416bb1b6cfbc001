"""Incidents, their text signatures and decisions; what reports say happened.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("primary_category", sa.String(length=32), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("severity", sa.SmallInteger(), nullable=True),
        sa.Column("victims", sa.Integer(), nullable=True),
        sa.Column("event_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("radius_km", sa.Double(), nullable=True),
        sa.Column("place_name", sa.Text(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("day_bucket", sa.Integer(), nullable=False),
        sa.Column("cell", sa.Integer(), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("monitor_count", sa.Integer(), nullable=False),
        sa.Column("identity_count", sa.Integer(), nullable=False),
        sa.Column("corroboration", sa.Double(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["admin_areas.id"], name=op.f("fk_incidents_area_id_admin_areas")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["incidents.id"], name=op.f("fk_incidents_merged_into_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("reference", name=op.f("uq_incidents_reference")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_area_id"), ["area_id"], unique=False)
        batch_op.create_index("ix_incidents_block", ["day_bucket", "cell"], unique=False)

    op.create_table(
        "incident_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=24), nullable=False),
        sa.Column("day_bucket", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_signatures_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_signatures")),
        sa.UniqueConstraint(
            "incident_id", "band", name=op.f("uq_incident_signatures_incident_id_band")
        ),
    )
    with op.batch_alter_table("incident_signatures", schema=None) as batch_op:
        batch_op.create_index("ix_incident_signatures_band", ["band", "day_bucket"], unique=False)

    op.create_table(
        "incident_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("scores", sa.JSON(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_decisions_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_incident_decisions_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_decisions")),
    )
    with op.batch_alter_table("incident_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_decisions_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incident_decisions_report_id"), ["report_id"], unique=False
        )

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("categories", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("primary_category", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("severity", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("victims", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("not_incident", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("classification_source", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("classification_evidence", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("event_time_phrase", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("understood_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("placement", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("coordinated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(batch_op.f("ix_reports_incident_id"), ["incident_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_incident_id_incidents"), "incidents", ["incident_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reports_incident_id_incidents"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_reports_incident_id"))
        batch_op.drop_column("coordinated")
        batch_op.drop_column("placement")
        batch_op.drop_column("incident_id")
        batch_op.drop_column("understood_at")
        batch_op.drop_column("event_time_phrase")
        batch_op.drop_column("classification_evidence")
        batch_op.drop_column("classification_source")
        batch_op.drop_column("not_incident")
        batch_op.drop_column("victims")
        batch_op.drop_column("severity")
        batch_op.drop_column("primary_category")
        batch_op.drop_column("categories")

    with op.batch_alter_table("incident_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_decisions_report_id"))
        batch_op.drop_index(batch_op.f("ix_incident_decisions_incident_id"))

    op.drop_table("incident_decisions")
    with op.batch_alter_table("incident_signatures", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_signatures_band")

    op.drop_table("incident_signatures")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_block")
        batch_op.drop_index(batch_op.f("ix_incidents_area_id"))

    op.drop_table("incidents")
