"""E-mail (#14) against a local SMTP sink (aiosmtpd on 127.0.0.1, never the internet): inbox
messages copied to the account's e-mail address with a Chinese subject, password reset by
e-mail (the link works once; the answer never says whether an account exists; rate-limited),
and a dead SMTP server that breaks nothing."""

from __future__ import annotations

import logging
import re
import shutil
import smtplib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from service.accounts import Role
from service.composition import Components, build_components
from service.desk.stages import Stage
from service.listings.schemas import Kind
from service.mail.compose import Mail
from service.mail.smtp import Mailer, SmtpConfig
from tests.conftest import make_settings
from tests.desk_support import ACHIEVEMENT, NEED, api_client, make_user, own
from tests.pages import PASSWORD, csrf, page_client, sign_in
from tests.support.smtp_sink import Sink, body, free_port, mail_settings, smtp_sink

pytestmark = pytest.mark.anyio
SUBJECT = "【川东北技术交易市场】"
LINK = re.compile(r"http://jishu\.test(/reset/[A-Za-z0-9_-]+)")


@pytest.fixture()
def sink() -> Iterator[Sink]:
    with smtp_sink() as running:
        yield running


def _market(seeded_home: Path, tmp_path: Path, port: int) -> Components:
    home = tmp_path / "mail-home"
    shutil.copytree(seeded_home, home)
    return build_components(make_settings(home, **mail_settings(port)))


@pytest.fixture()
def mail_market(seeded_home: Path, tmp_path: Path, sink: Sink) -> Iterator[Components]:
    market = _market(seeded_home, tmp_path, sink.port)
    yield market
    market.close()


def _person(market: Components, name: str, email: str | None) -> int:
    user = market.accounts.create_user(
        name, PASSWORD, Role.enterprise, "达州示例化工有限公司", "王工",
        phone="13800001111", email=email, require_contact=True,
    )  # fmt: skip
    return user.id


async def test_a_brokers_move_arrives_as_mail(mail_market: Components, sink: Sink) -> None:
    owner = _person(mail_market, "mail-ent", "wang@example.com")
    own(mail_market, mail_market.accounts.get_many([owner])[owner], Kind.need, NEED)
    quiet = _person(mail_market, "no-mail-ent", None)
    broker = make_user(mail_market, Role.broker)
    pair = mail_market.desk.recommend(NEED, ACHIEVEMENT, broker)
    mail_market.desk.move(pair.id, Stage.contacted, broker)
    async with page_client(mail_market) as client:
        await sign_in(client, mail_market, "mail-ent", Role.enterprise)
        assert "经纪人已联系双方" in (await client.get("/inbox")).text  # in the app, as before
    moved = [
        m for m in sink.wait_for("wang@example.com", 2) if "经纪人已联系双方" in str(m["Subject"])
    ]
    assert len(moved) == 1, [str(m["Subject"]) for m in sink.wait_for("wang@example.com")]
    mail = moved[0]
    assert mail["To"] == "wang@example.com"
    need = mail_market.catalog.get(Kind.need, NEED).title
    assert str(mail["Subject"]).startswith(f"{SUBJECT}「{need}」×「")  # titles, not ids
    assert "=?utf-8?" in mail.as_string().split("\n\n")[0].lower()  # encoded header (RFC 2047)
    assert mail["Date"].datetime.utcoffset().total_seconds() == 8 * 3600  # Beijing time
    text = body(mail)
    assert text.startswith("王工，您好：") and "（北京时间）" in text
    assert f"查看详情：http://jishu.test/needs/{NEED}" in text
    assert mail_market.inbox.items(owner)  # the in-app message is kept
    mail_market.inbox.notify(quiet, "test:quiet", "没有邮箱的账号只在站内收到消息")
    mail_market.inbox.notify(owner, "test:last", "最后一条")
    assert sink.wait_for("wang@example.com", 3)  # FIFO: the quiet account's job ran first
    assert all("没有邮箱" not in str(m["Subject"]) for _, m in sink.received)


async def test_reset_by_email_works_once_and_never_says_who_exists(
    mail_market: Components, sink: Sink
) -> None:
    uid = _person(mail_market, "reset-ent", "li@example.com")
    async with page_client(mail_market) as client:
        login = (await client.get("/login")).text
        assert 'href="/forgot"' in login
        form = (await client.get("/forgot")).text
        assert "发送重置链接" in form
        answers = []
        for typed in ("nobody-here", "LI@example.com"):
            token = await csrf(client, "/forgot")
            r = await client.post("/forgot", data={"account": typed, "csrf_token": token})
            assert r.status_code == 303
            answers.append((await client.get("/forgot")).text.split("<h1>")[0])
        assert answers[0] == answers[1] and "重置密码的链接已发送到该邮箱" in answers[0]
    (mail,) = sink.wait_for("li@example.com")
    assert len(sink.received) == 1  # nothing went out for the unknown name
    assert str(mail["Subject"]) == f"{SUBJECT}重置密码"
    text = body(mail)
    assert "账号「reset-ent」" in text and "2 小时内" in text and "（北京时间）" in text
    found = LINK.search(text)
    assert found, text
    path = found.group(1)
    async with page_client(mail_market) as person:
        assert "reset-ent" in (await person.get(path)).text
        token = await csrf(person, path)
        new = {"password": "mailed-new-pass", "password2": "mailed-new-pass", "csrf_token": token}
        done = await person.post(path, data=new)
        assert done.status_code == 303 and done.headers["location"] == "/login"
        again = await person.post(path, data=new)
        assert again.status_code == 404 and "已使用" in again.text
    assert mail_market.accounts.authenticate("reset-ent", "mailed-new-pass").id == uid


async def test_the_api_twin_answers_alike_and_is_rate_limited(
    mail_market: Components, sink: Sink
) -> None:
    _person(mail_market, "api-ent", "api@example.com")
    async with api_client(mail_market, None) as client:
        known = await client.post("/api/password-reset", json={"account": "13800001111"})
        unknown = await client.post("/api/password-reset", json={"account": "ghost"})
        assert known.status_code == unknown.status_code == 200
        assert known.json() == unknown.json() and known.json()["by_email"] is True
        bad = await client.post("/api/password-reset", json={"account": "", "x": 1})
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json()["errors"]} == {"account", "x"}
        for _ in range(3):  # the address's limit is 5 in 15 minutes
            await client.post("/api/password-reset", json={"account": "ghost2"})
        refused = await client.post("/api/password-reset", json={"account": "api-ent"})
        assert refused.status_code == 429 and "请 15 分钟后再试" in refused.json()["detail"]
        assert refused.headers["Retry-After"] == "900"
    assert len(sink.wait_for("api@example.com")) == 1  # the phone number found the account


async def test_many_asks_for_one_account_send_three_mails(
    mail_market: Components, sink: Sink
) -> None:
    """However the account is named (username, e-mail in any case, phone with spaces), and from
    however many addresses, one account gets at most 3 reset mails in 15 minutes."""
    _person(mail_market, "zhang", "Zhang@Example.com")
    spellings = [
        "zhang", "zhang@example.com", "ZHANG@EXAMPLE.COM", "138 0000 1111", "13800001111",
        " zhang ", "Zhang@example.com", "+8613800001111", "zhang", "zhang",
    ]  # fmt: skip
    futures = [mail_market.password_mail.request(typed) for typed in spellings]
    sent = sum(f.result(timeout=30) for f in futures if f is not None)
    assert sent == 3
    assert len(sink.wait_for("zhang@example.com")) == 3
    throttle = mail_market.throttle
    assert [throttle.reset_allowed("10.0.0.1") for _ in range(6)] == [True] * 5 + [False]


async def test_failed_sign_ins_are_limited(mail_market: Components) -> None:
    _person(mail_market, "guessed", None)
    async with page_client(mail_market) as client:
        for _ in range(10):
            token = await csrf(client)
            form = {"username": "guessed", "password": "wrong-pass", "csrf_token": token}
            assert (await client.post("/login", data=form)).status_code == 400
        form = {"username": "guessed", "password": PASSWORD, "csrf_token": await csrf(client)}
        refused = await client.post("/login", data=form)
        assert refused.status_code == 429 and "登录失败次数过多" in refused.text
        await sign_in(client, mail_market, "someone-else", Role.enterprise)  # others still may


async def test_a_dead_smtp_server_breaks_no_request(
    seeded_home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    market = _market(seeded_home, tmp_path, free_port())  # nothing listens there
    try:
        uid = _person(market, "dead-ent", "dead@example.com")
        with caplog.at_level(logging.WARNING, logger="service.mail.smtp"):
            async with page_client(market) as client:
                token = await csrf(client, "/forgot")
                r = await client.post("/forgot", data={"account": "dead-ent", "csrf_token": token})
                assert r.status_code == 303
                assert "已发送" in (await client.get("/forgot")).text
            assert market.inbox.notify(uid, "test:dead", "邮件发不出去时站内消息照常")
            assert [n.title for n in market.inbox.items(uid)] == ["邮件发不出去时站内消息照常"]
            assert market.inbox.mail is not None
            sent = market.inbox.mail.told(uid, "再试一次", None)
            assert sent is not None and sent.result(timeout=30) == 0
        assert "e-mail not sent" in caplog.text
    finally:
        market.close()


async def test_without_smtp_the_page_says_to_ask_a_broker(seeded_market: Components) -> None:
    async with page_client(seeded_market) as client:
        page = (await client.get("/forgot")).text
        assert "本站未开通邮件发送" in page and "发送重置链接" not in page
    async with api_client(seeded_market, None) as client:
        r = await client.post("/api/password-reset", json={"account": "anyone"})
        assert r.status_code == 200 and r.json()["by_email"] is False
    assert seeded_market.inbox.notify(make_user(seeded_market, Role.enterprise).id, "k", "站内")


def test_a_mail_server_needs_a_sender(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="SMTP_SENDER"):
        make_settings(tmp_path, smtp_host="smtp.example.com")
    assert not make_settings(tmp_path).mail_enabled


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # the sink has none
def test_the_sender_logs_in_when_a_user_is_set() -> None:
    from aiosmtpd.smtp import AuthResult

    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> AuthResult:
        ok = auth.login == b"mailer" and auth.password == b"secret-pass"
        return AuthResult(success=ok)

    options = {"authenticator": check, "auth_required": True, "auth_require_tls": False}
    with smtp_sink(**options) as sink:
        config = SmtpConfig(host="127.0.0.1", port=sink.port, sender="noreply@techmatch.test",
                            username="mailer", password="secret-pass", starttls=False,
                            timeout=5.0)  # fmt: skip
        mail = Mail(to="zhao@example.com", subject="【川东北技术交易市场】测试", body="正文\n")
        assert Mailer(config).send_now([mail]) == 1
        assert str(sink.wait_for("zhao@example.com")[0]["Subject"]) == mail.subject
        anonymous = SmtpConfig(**{**config.__dict__, "username": None})
        with pytest.raises(smtplib.SMTPException):
            Mailer(anonymous).send_now([mail])  # the server asks for a login
        assert len(sink.received) == 1
