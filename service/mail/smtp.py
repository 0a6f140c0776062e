"""Sending e-mail through the configured SMTP server (``smtplib`` + ``email.message``) on a
background thread: a request only queues a job; a failed send is logged, never raised."""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from service import clock
from service.config import Settings
from service.mail.compose import SITE, Mail

log = logging.getLogger(__name__)
MailJob = Callable[[], Iterable[Mail]]  # builds the mails on the mail thread (lookups included)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None
    password: str | None
    starttls: bool
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        """The SMTP settings, or None when no server is configured (no e-mail)."""
        if not settings.mail_enabled:
            return None
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            host=settings.smtp_host.strip(), port=settings.smtp_port, sender=settings.smtp_sender,
            username=settings.smtp_username or None, password=password,
            starttls=settings.smtp_starttls, timeout=settings.smtp_timeout,
        )  # fmt: skip


class Mailer:
    """One mail thread per process; jobs run in the order they were queued."""

    def __init__(self, config: SmtpConfig | None) -> None:
        self.config = config
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.config is not None

    def message(self, mail: Mail) -> EmailMessage:
        assert self.config is not None
        message = EmailMessage()  # the default policy encodes Chinese headers (RFC 2047)
        message["From"] = formataddr((SITE, self.config.sender))
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = format_datetime(clock.now())  # +0800
        message["Message-ID"] = make_msgid(domain=self.config.sender.rpartition("@")[2])
        message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
        message.set_content(mail.body)  # UTF-8 text/plain
        return message

    def send_now(self, mails: Iterable[Mail]) -> int:
        """Send on one connection, on the calling thread; raises what smtplib raises."""
        batch = list(mails)
        if self.config is None or not batch:
            return 0
        config = self.config
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password or "")
            for mail in batch:
                smtp.send_message(self.message(mail))
        return len(batch)

    def submit(self, job: MailJob, what: str) -> Future[int] | None:
        """Queue ``job`` for the mail thread; None when e-mail is off. The future's result is
        how many mails went out (0 after a failure, which is logged as ``what``)."""
        if self.config is None:
            return None
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="techmatch-mail")
            return self._pool.submit(self._run, job, what)

    def _run(self, job: MailJob, what: str) -> int:
        try:
            return self.send_now(job())
        except Exception as exc:  # a dead or refusing server must never reach a request
            log.warning("e-mail not sent (%s): %s: %s", what, type(exc).__name__, exc)
            return 0

    def close(self) -> None:
        """Stop the mail thread: the mail being sent finishes, those still queued are dropped
        (the in-app messages they copy stay in the inbox)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
