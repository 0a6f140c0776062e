"""common needs and challenges

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 18:01:11.372351
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _challenges()
    _common_needs()
    _challenge_applications()
    _challenge_invitations()
    _challenge_stages()
    _common_need_members()


def _challenges() -> None:
    op.create_table(
        "challenges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("reward_wan", sa.Float(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("delivery_months", sa.Integer(), nullable=True),
        sa.Column("eligibility", sa.Text(), nullable=True),
        sa.Column("need_ids", sa.JSON(), nullable=False),
        sa.Column("common_need_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("reviewer_ids", sa.JSON(), nullable=False),
        sa.Column("selected_application_id", sa.Integer(), nullable=True),
        sa.Column("selection_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenges_stage"), ["stage"], unique=False)


def _common_needs() -> None:
    op.create_table(
        "common_needs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("key_terms", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("common_needs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_common_needs_status"), ["status"], unique=False)


def _challenge_applications() -> None:
    op.create_table(
        "challenge_applications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=100), nullable=False),
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("promised_indicators", sa.JSON(), nullable=False),
        sa.Column("budget_wan", sa.Float(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("achievement_ids", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("score_note", sa.Text(), nullable=True),
        sa.Column("scored_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("challenge_id", "user_id", name="uq_challenge_applicant"),
    )
    with op.batch_alter_table("challenge_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_applications_challenge_id"), ["challenge_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_challenge_applications_user_id"), ["user_id"], unique=False
        )


def _challenge_invitations() -> None:
    op.create_table(
        "challenge_invitations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("institution", sa.String(length=100), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("challenge_id", "institution", name="uq_invitation"),
    )
    with op.batch_alter_table("challenge_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_invitations_challenge_id"), ["challenge_id"], unique=False
        )


def _challenge_stages() -> None:
    op.create_table(
        "challenge_stages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("challenge_stages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_stages_challenge_id"), ["challenge_id"], unique=False
        )


def _common_need_members() -> None:
    op.create_table(
        "common_need_members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.String(length=64), nullable=False),
        sa.Column("suggested", sa.Boolean(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["common_needs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("need_id", name="uq_common_need_member"),
    )
    with op.batch_alter_table("common_need_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_common_need_members_group_id"), ["group_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("common_need_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_common_need_members_group_id"))

    op.drop_table("common_need_members")
    with op.batch_alter_table("challenge_stages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_stages_challenge_id"))

    op.drop_table("challenge_stages")
    with op.batch_alter_table("challenge_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_invitations_challenge_id"))

    op.drop_table("challenge_invitations")
    with op.batch_alter_table("challenge_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_applications_user_id"))
        batch_op.drop_index(batch_op.f("ix_challenge_applications_challenge_id"))

    op.drop_table("challenge_applications")
    with op.batch_alter_table("common_needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_common_needs_status"))

    op.drop_table("common_needs")
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenges_stage"))

    op.drop_table("challenges")
