"""Checking what a person types at sign-up: every problem at once, each naming its field."""

from __future__ import annotations

import re

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
PASSWORD_MIN = 8
# Mainland mobile numbers, or a landline with its area code (0818-2345678).
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


def clean_phone(value: str | None) -> str | None:
    """Spaces and dashes between digit groups dropped (a landline keeps its one dash)."""
    if not value or not value.strip():
        return None
    digits = re.sub(r"[\s()（）]", "", value.strip()).replace("+86", "")
    if digits.startswith("1"):
        digits = digits.replace("-", "")
    return digits


def clean_email(value: str | None) -> str | None:
    return value.strip().lower() if value and value.strip() else None


def phone_problem(phone: str | None) -> str | None:
    if phone is None:
        return "请填写手机号码（或带区号的固定电话）"
    if not PHONE.match(phone):
        return "手机号码应为 11 位（如 13812345678），固定电话请带区号（如 0818-2345678）"
    return None


def email_problem(email: str | None) -> str | None:
    if email is not None and (len(email) > 120 or not EMAIL.match(email)):
        return "电子邮箱格式不正确（如 name@example.com）"
    return None


DISPLAY_NAME_MAX = 30


def display_name_problem(name: str) -> str | None:
    """Why a display name (shown wherever the account's name is: 张工, 李红梅) cannot be used."""
    name = name.strip()
    if not name:
        return "请填写姓名"
    if len(name) > DISPLAY_NAME_MAX:
        return f"姓名最多 {DISPLAY_NAME_MAX} 字"
    if any(not ch.isprintable() for ch in name):
        return "姓名不能包含控制字符"
    return None


def account_problems(
    username: str,
    password: str,
    organisation: str,
    *,
    phone: str | None = None,
    email: str | None = None,
    check_contact: bool = False,
    display_name: str | None = None,
) -> dict[str, str]:
    """{field: message} for every bad field of a new account (empty when all is well)."""
    problems: dict[str, str] = {}
    if not USERNAME.match(username):
        problems["username"] = "用户名需 3–40 位，只能包含字母、数字、下划线、点和连字符"
    if len(password) < PASSWORD_MIN:
        problems["password"] = f"密码至少 {PASSWORD_MIN} 位"
    if not 2 <= len(organisation.strip()) <= 100:
        problems["organisation"] = "请填写单位名称（2–100 字）"
    if display_name is not None and (problem := display_name_problem(display_name)):
        problems["display_name"] = problem
    if check_contact:
        for name, problem in (("phone", phone_problem(phone)), ("email", email_problem(email))):
            if problem:
                problems[name] = problem
    return problems
