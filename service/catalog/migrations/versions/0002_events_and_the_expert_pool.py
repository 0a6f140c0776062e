"""events and the expert pool

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 17:51:12.329307
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _events()
    _expert_evaluations()
    _expert_services()
    _experts()
    _event_achievements()
    _event_intents()
    _event_registrations()


def _events() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("organiser", sa.String(length=100), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("region", sa.String(length=40), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_date"), ["date"], unique=False)


def _expert_evaluations() -> None:
    op.create_table(
        "expert_evaluations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("achievement_id", sa.String(length=64), nullable=False),
        sa.Column("expert_id", sa.String(length=64), nullable=False),
        sa.Column("maturity", sa.Integer(), nullable=False),
        sa.Column("novelty", sa.Integer(), nullable=False),
        sa.Column("market", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("expert_evaluations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_expert_evaluations_achievement_id"), ["achievement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_expert_evaluations_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_expert_evaluations_expert_id"), ["expert_id"], unique=False
        )


def _expert_services() -> None:
    op.create_table(
        "expert_services",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("expert_id", sa.String(length=64), nullable=False),
        sa.Column("served_on", sa.Date(), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=False),
        sa.Column("county", sa.String(length=40), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("adopted", sa.Boolean(), nullable=False),
        sa.Column("technology", sa.String(length=100), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("expert_services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_services_county"), ["county"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_expert_services_expert_id"), ["expert_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_expert_services_served_on"), ["served_on"], unique=False
        )


def _experts() -> None:
    op.create_table(
        "experts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("organisation", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("expertise", sa.Text(), nullable=False),
        sa.Column("counties", sa.JSON(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("assigned_enterprises", sa.JSON(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_experts_status"), ["status"], unique=False)


def _event_achievements() -> None:
    op.create_table(
        "event_achievements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "achievement_id", name="uq_event_achievement"),
    )
    with op.batch_alter_table("event_achievements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_achievements_event_id"), ["event_id"], unique=False
        )


def _event_intents() -> None:
    op.create_table(
        "event_intents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("enterprise", sa.String(length=100), nullable=False),
        sa.Column("achievement_id", sa.String(length=64), nullable=False),
        sa.Column("need_id", sa.String(length=64), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("event_intents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_intents_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_intents_match_id"), ["match_id"], unique=False)


def _event_registrations() -> None:
    op.create_table(
        "event_registrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("enterprise", sa.String(length=100), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("waitlisted", sa.Boolean(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "enterprise", name="uq_event_enterprise"),
    )
    with op.batch_alter_table("event_registrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_registrations_event_id"), ["event_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("event_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_registrations_event_id"))

    op.drop_table("event_registrations")
    with op.batch_alter_table("event_intents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_intents_match_id"))
        batch_op.drop_index(batch_op.f("ix_event_intents_event_id"))

    op.drop_table("event_intents")
    with op.batch_alter_table("event_achievements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_achievements_event_id"))

    op.drop_table("event_achievements")
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experts_status"))

    op.drop_table("experts")
    with op.batch_alter_table("expert_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_services_served_on"))
        batch_op.drop_index(batch_op.f("ix_expert_services_expert_id"))
        batch_op.drop_index(batch_op.f("ix_expert_services_county"))

    op.drop_table("expert_services")
    with op.batch_alter_table("expert_evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_evaluations_expert_id"))
        batch_op.drop_index(batch_op.f("ix_expert_evaluations_created_at"))
        batch_op.drop_index(batch_op.f("ix_expert_evaluations_achievement_id"))

    op.drop_table("expert_evaluations")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_date"))

    op.drop_table("events")
