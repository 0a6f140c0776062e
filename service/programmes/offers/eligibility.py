"""Who may bid: enterprise accounts of verified organisations.

``bidder_refusal`` is the one place the rule lives. The organisation test is the organisation
register's (``Accounts.organisation_of(user).verified``): a broker or admin verified the
organisation, and this account may act for it (its first account, or confirmed).
"""

from __future__ import annotations

from service.accounts import Accounts, Role, User


def bidder_refusal(user: User, accounts: Accounts) -> str | None:
    """Why this account may not bid (a Chinese sentence), or None when it may."""
    if user.role is not Role.enterprise:
        return f"只有企业账号可以参与竞价（当前账号：{user.role.label}）"
    affiliation = accounts.organisation_of(user)
    if user.disabled or affiliation is None or not affiliation.recognised:
        return "本账号尚未获准代表所在单位，经纪人确认后才能参与竞价"
    if not affiliation.verified:
        return f"「{affiliation.name}」尚未通过单位认证，认证后才能参与竞价"
    return None
