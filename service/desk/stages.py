"""The vocabulary of the broker desk: pipeline stages, reasons a deal fails, contract types."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """Where a (need, achievement) pair stands on the desk.

    ``requested`` and ``shortlisted`` are before the pipeline; ``dismissed`` takes a queue
    item off the desk without a deal. The pipeline proper runs
    recommended → contacted → negotiating → signed → registered, or ends in ``lost``.
    """

    requested = "requested"
    shortlisted = "shortlisted"
    dismissed = "dismissed"
    recommended = "recommended"
    contacted = "contacted"
    negotiating = "negotiating"
    signed = "signed"
    registered = "registered"
    lost = "lost"

    @property
    def label(self) -> str:
        return {
            "requested": "申请对接",
            "shortlisted": "备选",
            "dismissed": "不予推荐",
            "recommended": "推荐",
            "contacted": "已联系",
            "negotiating": "洽谈",
            "signed": "签约",
            "registered": "合同登记",
            "lost": "未成",
        }[self.value]

    @property
    def in_pipeline(self) -> bool:
        return self in PIPELINE or self is Stage.lost

    @property
    def introduced(self) -> bool:
        """From 已联系 on, the two parties see each other's contact details."""
        return self in (Stage.contacted, Stage.negotiating, Stage.signed, Stage.registered)


PIPELINE = (Stage.recommended, Stage.contacted, Stage.negotiating, Stage.signed, Stage.registered)
"""The funnel, in order."""


class LostReason(StrEnum):
    price = "price"
    maturity = "maturity"
    mismatch = "mismatch"
    no_response = "no_response"
    other = "other"

    @property
    def label(self) -> str:
        return {
            "price": "价格",
            "maturity": "成熟度不够",
            "mismatch": "技术不对口",
            "no_response": "无回应",
            "other": "其他",
        }[self.value]


class ContractType(StrEnum):
    """The contract types of a 技术合同登记 (technology contract registration)."""

    development = "development"
    transfer = "transfer"
    license = "license"
    consulting = "consulting"
    service = "service"

    @property
    def label(self) -> str:
        return {
            "development": "技术开发",
            "transfer": "技术转让",
            "license": "技术许可",
            "consulting": "技术咨询",
            "service": "技术服务",
        }[self.value]
