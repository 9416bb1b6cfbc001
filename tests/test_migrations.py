"""Migrations produce exactly the schema the models describe, on both databases, and data
migrations fix the rows they are written for."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, update

from ewn.db import alembic_config
from ewn.models import Base, PlaceName


def test_models_and_migrations_agree(rt):
    with rt.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_names_with_a_silent_gh_get_the_skeleton_arabic_is_looked_up_by(rt):
    with rt.db.session() as session:
        # As 0007 left it: "Eastleigh" with its gh among the consonants.
        session.execute(
            update(PlaceName).where(PlaceName.joined == "eastleigh").values(skeleton="stlg")
        )
    with rt.db.begin() as connection:
        config = alembic_config(rt.db.url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
        command.upgrade(config, "head")
    with rt.db.reading() as session:
        skeletons = set(
            session.scalars(select(PlaceName.skeleton).where(PlaceName.joined == "eastleigh"))
        )
    assert skeletons == {"stl"}
