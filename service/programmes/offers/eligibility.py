"""Who may bid: enterprise accounts of verified organisations.

``bidder_refusal`` is the one place the rule lives; the organisation check it makes is a single
call, to be pointed at the organisation register (verified organisations) once it exists.
"""

from __future__ import annotations

from service.accounts import Role, User


def organisation_verified(user: User) -> bool:
    """Whether the account's organisation is verified. Until the organisation register lands,
    an enterprise account in good standing (not disabled, with its organisation named) counts."""
    return not user.disabled and bool(user.organisation.strip())


def bidder_refusal(user: User) -> str | None:
    """Why this account may not bid (a Chinese sentence), or None when it may."""
    if user.role is not Role.enterprise:
        return f"只有企业账号可以参与竞价（当前账号：{user.role.label}）"
    if not organisation_verified(user):
        return "参与竞价的企业须先完成单位认证"
    return None
