"""Triage: priority, review deadlines, staff second factor, jurisdictions, notes, audit log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=True),
        sa.Column("target", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_users.id"], name=op.f("fk_audit_log_user_id_staff_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_audit_log_target", ["target", "action"], unique=False)

    op.create_table(
        "staff_areas",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["admin_areas.id"], name=op.f("fk_staff_areas_area_id_admin_areas")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_staff_areas_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "area_id", name=op.f("pk_staff_areas")),
    )
    op.create_table(
        "incident_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_notes_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_users.id"], name=op.f("fk_incident_notes_user_id_staff_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_notes")),
    )
    with op.batch_alter_table("incident_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_notes_incident_id"), ["incident_id"], unique=False
        )

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("triage_status", sa.String(length=12), nullable=False, server_default="new")
        )
        batch_op.add_column(sa.Column("dismiss_reason", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("assigned_to_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("priority_score", sa.Double(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("priority_band", sa.String(length=10), nullable=False, server_default="low")
        )
        batch_op.add_column(sa.Column("review_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("vulnerable", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("staff_severity", sa.SmallInteger(), nullable=True))
        batch_op.create_index(
            "ix_incidents_area_queue", ["area_id", "triage_status", "priority_score"], unique=False
        )
        batch_op.create_index(
            "ix_incidents_queue", ["triage_status", "priority_score"], unique=False
        )
        batch_op.create_index("ix_incidents_ageing", ["status", "event_end"], unique=False)
        batch_op.create_index("ix_incidents_rank", ["status", "priority_score"], unique=False)
        batch_op.create_index(
            "ix_incidents_area_rank", ["area_id", "status", "priority_score"], unique=False
        )
        batch_op.create_index("ix_incidents_cell", ["cell", "status"], unique=False)
        batch_op.create_index(
            "ix_incidents_counts",
            ["status", "day_bucket", "triage_status", "area_id", "primary_category"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_incidents_assigned_to_id_staff_users"),
            "staff_users",
            ["assigned_to_id"],
            ["id"],
        )

    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret_enc")

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_incidents_assigned_to_id_staff_users"), type_="foreignkey"
        )
        batch_op.drop_index("ix_incidents_queue")
        batch_op.drop_index("ix_incidents_ageing")
        batch_op.drop_index("ix_incidents_rank")
        batch_op.drop_index("ix_incidents_area_rank")
        batch_op.drop_index("ix_incidents_cell")
        batch_op.drop_index("ix_incidents_counts")
        batch_op.drop_index("ix_incidents_area_queue")
        batch_op.drop_column("staff_severity")
        batch_op.drop_column("vulnerable")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("review_due_at")
        batch_op.drop_column("priority_band")
        batch_op.drop_column("priority_score")
        batch_op.drop_column("assigned_to_id")
        batch_op.drop_column("dismiss_reason")
        batch_op.drop_column("triage_status")

    with op.batch_alter_table("incident_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_notes_incident_id"))

    op.drop_table("incident_notes")
    op.drop_table("staff_areas")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_target")
        batch_op.drop_index(batch_op.f("ix_audit_log_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
