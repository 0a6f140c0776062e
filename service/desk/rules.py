"""Which stage may follow which, and the checks every move passes.

Allowed moves (one step at a time, so the funnel history counts every stage reached):

    (new pair)   -> requested | shortlisted | recommended | dismissed
    requested    -> shortlisted | recommended | dismissed
    shortlisted  -> recommended | dismissed
    dismissed    -> shortlisted | recommended          (reopen a dismissed item)
    recommended  -> contacted | lost
    contacted    -> negotiating | lost
    negotiating  -> signed | lost
    signed       -> registered | lost                  (registered needs a 登记号 on the contract)
    lost         -> recommended                        (reopen: the deal is tried again)
    registered   -> (final)

``lost`` needs a LostReason; no other stage takes a reason. ``signed`` needs nothing more:
the contract record is entered once the pair is signed.
"""

from __future__ import annotations

from service.desk.errors import DeskConflictError, DeskInputError
from service.desk.stages import LostReason, Stage

ENTRY_STAGES = (Stage.requested, Stage.shortlisted, Stage.recommended, Stage.dismissed)
"""The stages a pair may start in."""

TRANSITIONS: dict[Stage, tuple[Stage, ...]] = {
    Stage.requested: (Stage.shortlisted, Stage.recommended, Stage.dismissed),
    Stage.shortlisted: (Stage.recommended, Stage.dismissed),
    Stage.dismissed: (Stage.shortlisted, Stage.recommended),
    Stage.recommended: (Stage.contacted, Stage.lost),
    Stage.contacted: (Stage.negotiating, Stage.lost),
    Stage.negotiating: (Stage.signed, Stage.lost),
    Stage.signed: (Stage.registered, Stage.lost),
    Stage.lost: (Stage.recommended,),
    Stage.registered: (),
}

CONTRACT_STAGES = (Stage.signed, Stage.registered)
"""The stages in which a contract record may be saved."""


def next_stages(current: Stage) -> tuple[Stage, ...]:
    return TRANSITIONS[current]


def check_move(current: Stage, to: Stage, reason: LostReason | None) -> None:
    """Raise DeskConflictError for a move the table forbids, DeskInputError for a bad reason."""
    if to is current:
        raise DeskConflictError(f"已处于「{current.label}」阶段")
    allowed = TRANSITIONS[current]
    if to not in allowed:
        options = "、".join(s.label for s in allowed) or "无（已是最终阶段）"
        raise DeskConflictError(f"不能从「{current.label}」改为「{to.label}」；可选：{options}")
    if to is Stage.lost and reason is None:
        raise DeskInputError("reason", "标记为「未成」时须选择原因")
    if to is not Stage.lost and reason is not None:
        raise DeskInputError("reason", "只有「未成」需要填写原因")
