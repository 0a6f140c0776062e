"""offers: 挂牌, 竞价, 异议; 技术交易额 on contracts

Revision ID: 0008_offers
Revises: 0007_orgs
Create Date: 2026-12-07 19:10:09.369843
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_offers"
down_revision = "0007_orgs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("achievement_id", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("transfer", sa.String(length=8), nullable=False),
        sa.Column("price_wan", sa.Float(), nullable=True),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("notice_starts", sa.DateTime(), nullable=False),
        sa.Column("notice_ends", sa.DateTime(), nullable=False),
        sa.Column("start_price_wan", sa.Float(), nullable=True),
        sa.Column("increment_wan", sa.Float(), nullable=True),
        sa.Column("opens_at", sa.DateTime(), nullable=True),
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("current_price_wan", sa.Float(), nullable=True),
        sa.Column("leading_bid_id", sa.Integer(), nullable=True),
        sa.Column("bid_count", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.Column("deal_price_wan", sa.Float(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offers_achievement_id"), ["achievement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_offers_closes_at"), ["closes_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_match_id"), ["match_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_notice_ends"), ["notice_ends"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_state"), ["state"], unique=False)

    op.create_table(
        "offer_bids",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("bidder_code", sa.String(length=16), nullable=False),
        sa.Column("need_id", sa.String(length=64), nullable=False),
        sa.Column("price_wan", sa.Float(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("extended_to", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("offer_bids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_bids_offer_id"), ["offer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offer_bids_user_id"), ["user_id"], unique=False)

    op.create_table(
        "offer_objections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("offer_objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offer_objections_offer_id"), ["offer_id"], unique=False
        )

    with op.batch_alter_table("desk_contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tech_amount_wan", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("desk_contracts", schema=None) as batch_op:
        batch_op.drop_column("tech_amount_wan")

    with op.batch_alter_table("offer_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_objections_offer_id"))

    op.drop_table("offer_objections")
    with op.batch_alter_table("offer_bids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_bids_user_id"))
        batch_op.drop_index(batch_op.f("ix_offer_bids_offer_id"))

    op.drop_table("offer_bids")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_state"))
        batch_op.drop_index(batch_op.f("ix_offers_notice_ends"))
        batch_op.drop_index(batch_op.f("ix_offers_match_id"))
        batch_op.drop_index(batch_op.f("ix_offers_closes_at"))
        batch_op.drop_index(batch_op.f("ix_offers_achievement_id"))

    op.drop_table("offers")
