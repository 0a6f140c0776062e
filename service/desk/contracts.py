"""The contract record of a signed deal: what a 技术合同登记 form asks, validated per field."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import (
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from service import clock
from service.desk.stages import ContractType, Stage
from service.error_messages import first_per_field
from service.listings.schemas import Money, UtcDateTime
from service.requests import RequestModel

AMOUNT_MAX_WAN = 1_000_000.0  # 100 亿元: anything larger is a typing slip
EARLIEST = dt.date(1990, 1, 1)  # before the market and its registrations existed: a slip

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]

FIELD_LABELS = {
    "title": "合同名称",
    "contract_type": "合同类型",
    "seller": "卖方（受托方/让与方）",
    "buyer": "买方（委托方/受让方）",
    "amount_wan": "成交金额（万元）",
    "tech_amount_wan": "技术交易额（万元）",
    "signed_on": "签订日期",
    "registration_no": "登记号",
    "registered_on": "登记日期",
}


class ContractIn(RequestModel):
    """A contract as entered; blank optional fields become null."""

    model_config = ConfigDict(extra="forbid")

    title: Text200
    contract_type: ContractType
    seller: Text100
    buyer: Text100
    amount_wan: Annotated[Money, Field(le=AMOUNT_MAX_WAN)]
    tech_amount_wan: Annotated[Money, Field(le=AMOUNT_MAX_WAN)] | None = Field(
        default=None,
        description="技术交易额: the amount less equipment, materials and other non-technology "
        "costs; empty = the whole amount",
    )
    signed_on: dt.date
    registration_no: str | None = Field(default=None, max_length=40)
    registered_on: dt.date | None = None

    @field_validator("registration_no", "registered_on", "tech_amount_wan", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("signed_on")
    @classmethod
    def _not_in_future(cls, value: dt.date) -> dt.date:
        if value > clock.today() + dt.timedelta(days=1):
            raise PydanticCustomError("date_future", "签订日期不能晚于今天")
        if value < EARLIEST:
            raise PydanticCustomError("date_past", "签订日期不能早于 1990 年")
        return value

    @field_validator("tech_amount_wan")
    @classmethod
    def _within_amount(cls, value: float | None, info: ValidationInfo) -> float | None:
        amount = info.data.get("amount_wan")
        if value is not None and isinstance(amount, float | int) and value > amount:
            raise PydanticCustomError("tech_over", "技术交易额不能大于成交金额")
        return value

    @field_validator("registered_on")
    @classmethod
    def _after_signing(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        data = info.data
        if value is None:
            return value
        if not data.get("registration_no"):
            raise PydanticCustomError("registration_missing", "填写登记日期时须同时填写登记号")
        signed = data.get("signed_on")
        if isinstance(signed, dt.date) and value < signed:
            raise PydanticCustomError("date_order", "登记日期不能早于签订日期")
        return value


class Contract(ContractIn):
    """A stored contract with the pair it belongs to."""

    model_config = ConfigDict(extra="ignore")

    match_id: int
    need_id: str
    achievement_id: str
    stage: Stage
    created_at: UtcDateTime
    updated_at: UtcDateTime


def field_errors(exc: ValidationError) -> dict[str, str]:
    """One Chinese message per field of a ContractIn error, for the form."""
    return first_per_field(exc.errors())
