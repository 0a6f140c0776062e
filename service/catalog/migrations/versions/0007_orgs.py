"""organisations with an identity of their own; registrations and intents keyed by them

Revision ID: 0007_orgs
Revises: 0006
Create Date: 2026-12-07 19:30:00

Existing accounts are bound in the order they were made: the first account using a name founds
the organisation, a later one with the same name (after normalising) awaits confirmation; broker
and admin accounts are confirmed. Existing registrations and intents get their organisation.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0007_orgs"
down_revision = "0006"
branch_labels = None
depends_on = None


def _key(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()[:100]


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["verified_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_organisations_key"), "organisations", ["key"], unique=True)
    op.create_table(
        "organisation_members",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("standing", sa.String(length=12), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index(
        op.f("ix_organisation_members_organisation_id"),
        "organisation_members",
        ["organisation_id"],
        unique=False,
    )
    with op.batch_alter_table("event_registrations") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_registration_organisation", "organisations", ["organisation_id"], ["id"]
        )
        batch.create_index(
            "ix_registration_organisation", ["event_id", "organisation_id"], unique=True
        )
    with op.batch_alter_table("event_intents") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_intent_organisation", "organisations", ["organisation_id"], ["id"]
        )
        batch.create_index(
            op.f("ix_event_intents_organisation_id"), ["organisation_id"], unique=False
        )
    _bind_existing(op.get_bind())


def _bind_existing(bind: sa.engine.Connection) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ids: dict[str, int] = {}
    founded: set[int] = set()

    def organisation(name: str) -> int:
        key = _key(name)
        if key not in ids:
            ids[key] = bind.execute(
                sa.text(
                    "INSERT INTO organisations (name, key, created_at) VALUES (:n, :k, :c) "
                    "RETURNING id"
                ),
                {"n": name.strip()[:100], "k": key, "c": now},
            ).scalar_one()
        return ids[key]

    users = bind.execute(sa.text("SELECT id, organisation, role FROM users ORDER BY id"))
    for user_id, name, role in list(users):
        org = organisation(name)
        if role in ("broker", "admin"):
            standing = "confirmed"
        else:
            standing = "pending" if org in founded else "founder"
            founded.add(org)
        bind.execute(
            sa.text(
                "INSERT INTO organisation_members (user_id, organisation_id, standing, created_at)"
                " VALUES (:u, :o, :s, :c)"
            ),
            {"u": user_id, "o": org, "s": standing, "c": now},
        )
    for table in ("event_registrations", "event_intents"):
        rows = bind.execute(sa.text(f"SELECT id, enterprise FROM {table}"))
        for row_id, name in list(rows):
            bind.execute(
                sa.text(f"UPDATE {table} SET organisation_id = :o WHERE id = :i"),
                {"o": organisation(name), "i": row_id},
            )


def downgrade() -> None:
    with op.batch_alter_table("event_intents") as batch:
        batch.drop_index(op.f("ix_event_intents_organisation_id"))
        batch.drop_constraint("fk_intent_organisation", type_="foreignkey")
        batch.drop_column("organisation_id")
    with op.batch_alter_table("event_registrations") as batch:
        batch.drop_index("ix_registration_organisation")
        batch.drop_constraint("fk_registration_organisation", type_="foreignkey")
        batch.drop_column("organisation_id")
    op.drop_index(
        op.f("ix_organisation_members_organisation_id"), table_name="organisation_members"
    )
    op.drop_table("organisation_members")
    op.drop_index(op.f("ix_organisations_key"), table_name="organisations")
    op.drop_table("organisations")
