"""The four roles and what each may do with listings."""

from __future__ import annotations

from enum import StrEnum

from service.listings.schemas import Kind


class Role(StrEnum):
    enterprise = "enterprise"
    university = "university"
    broker = "broker"
    admin = "admin"

    @property
    def label(self) -> str:
        return {
            "enterprise": "企业",
            "university": "高校/科研院所",
            "broker": "技术经纪人",
            "admin": "管理员",
        }[self.value]

    @property
    def posts(self) -> Kind | None:
        """The kind of listing this role publishes (brokers and admins publish none)."""
        return {"enterprise": Kind.need, "university": Kind.achievement}.get(self.value)

    @property
    def sees_everything(self) -> bool:
        """Brokers and admins see every contact and every listing's desk history."""
        return self in (Role.broker, Role.admin)


SIGNUP_ROLES = (Role.enterprise, Role.university)
"""Roles open to self sign-up; brokers and admins are made by `techmatch user create`."""
