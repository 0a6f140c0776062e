"""The contract records of signed deals, and their export."""

from __future__ import annotations

from service.accounts import User
from service.catalog.models import utcnow
from service.desk import export, records, rules
from service.desk.base import DeskBase
from service.desk.contracts import Contract, ContractIn
from service.desk.errors import DeskConflictError, DeskInputError
from service.desk.models import ContractRow
from service.desk.records import to_contract
from service.desk.stages import Stage


class DeskDeals(DeskBase):
    """Contract records: saved for signed or registered pairs, listed, exported."""

    def save_contract(self, match_id: int, contract: ContractIn, user: User) -> Contract:
        """Create or replace the pair's contract record (signed or registered pairs only)."""
        self._require_broker(user)
        with self._sessions.begin() as session:
            match = self._row(session, match_id, lock=True)
            stage = Stage(match.stage)
            if stage not in rules.CONTRACT_STAGES:
                raise DeskConflictError(
                    f"只有「签约」或「合同登记」阶段可以填写合同（当前：{stage.label}）"
                )
            if stage is Stage.registered and not contract.registration_no:
                raise DeskInputError("registration_no", "已登记的合同须保留登记号")
            row = session.get(ContractRow, match_id)
            now = utcnow()
            if row is None:
                row = ContractRow(match_id=match_id, created_at=now)
                session.add(row)
            for name, value in contract.model_dump().items():
                setattr(row, name, value.value if hasattr(value, "value") else value)
            row.updated_at = now
            match.updated_at = now
            session.flush()
            return to_contract(row, match)

    def contract(self, match_id: int) -> Contract | None:
        with self._sessions() as session:
            match = self._row(session, match_id)
            row = session.get(ContractRow, match_id)
            return to_contract(row, match) if row else None

    def contracts(self) -> list[Contract]:
        """Every contract record, the most recently signed first."""
        with self._sessions() as session:
            rows = session.execute(records.all_contracts())
            return [to_contract(c, m) for c, m in rows]

    def deals_csv(self) -> str:
        """All contracts as CSV for Excel (see service.desk.export)."""
        return export.deals_csv(self.contracts())
