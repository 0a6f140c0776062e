"""The e-mails people get, in Chinese, with times in Beijing time: a copy of an inbox message,
and a one-time password-reset link."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from service import clock

SITE = "川东北技术交易市场"
SUBJECT_MAX = 60  # characters of a subject before it is cut with "…"
FOOTER = f"此邮件由{SITE}自动发送，请勿直接回复。"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def _subject(text: str) -> str:
    text = " ".join(text.split())  # no line breaks in a header
    cut = text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 1] + "…"
    return f"【{SITE}】{cut}"


def notification_mail(
    to: str, name: str, title: str, link: str | None, when: dt.datetime, site_url: str
) -> Mail:
    """An inbox message as an e-mail: the message is the subject, the link opens the page."""
    lines = [f"{name}，您好：", "", title, ""]
    if link:
        lines += [f"查看详情：{site_url}{link}", ""]
    lines += [
        f"通知时间：{clock.format_long(when)}",
        f"全部消息请登录后在「消息」页查看：{site_url}/inbox",
        "",
        FOOTER,
    ]
    return Mail(to=to, subject=_subject(title), body="\n".join(lines) + "\n")


def reset_mail(to: str, name: str, username: str, url: str, hours: int, when: dt.datetime) -> Mail:
    """The one-time link for setting a new password, asked for on the 忘记密码 page."""
    body = [
        f"{name}，您好：",
        "",
        f"我们收到了为账号「{username}」重置密码的申请。请在 {hours} 小时内打开下面的链接设置"
        "新密码，链接只能使用一次：",
        "",
        url,
        "",
        f"申请时间：{clock.format_long(when)}",
        "如果不是您本人申请，请忽略本邮件，您的密码不会改变。",
        "",
        FOOTER,
    ]
    return Mail(to=to, subject=_subject("重置密码"), body="\n".join(body) + "\n")
