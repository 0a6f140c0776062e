"""kept match lists (compute on write)

Revision ID: 0009_kept_matches
Revises: 0008_offers
Create Date: 2026-12-07 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_kept_matches"
down_revision = "0008_offers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kept_matches",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("listing_id", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "listing_id", "size"),
    )
    op.create_index(op.f("ix_kept_matches_stamp"), "kept_matches", ["stamp"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_kept_matches_stamp"), table_name="kept_matches")
    op.drop_table("kept_matches")
