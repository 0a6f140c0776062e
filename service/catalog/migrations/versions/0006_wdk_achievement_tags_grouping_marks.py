"""wdk achievement tags, grouping marks

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 19:28:40.329507
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grouping_marks",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "wdk_tags",
        sa.Column("achievement_id", sa.String(length=64), nullable=False),
        sa.Column("tagged_by", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("achievement_id"),
    )


def downgrade() -> None:
    op.drop_table("wdk_tags")
    op.drop_table("grouping_marks")
