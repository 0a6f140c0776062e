"""A local SMTP sink for the e-mail tests: aiosmtpd on 127.0.0.1 on a free port, keeping
every message it receives (never the internet)."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Sink:
    port: int
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._arrived:
            self.received.append((list(envelope.rcpt_tos), message))
            self._arrived.notify_all()
        return "250 OK"

    def wait_for(self, to: str, count: int = 1, timeout: float = 15.0) -> list[EmailMessage]:
        """The messages sent to ``to``, once at least ``count`` have arrived."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = [m for rcpt, m in self.received if to in rcpt]
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    return found
                self._arrived.wait(left)


@contextmanager
def smtp_sink(**options: Any) -> Iterator[Sink]:
    """The sink; ``options`` go to aiosmtpd's server (e.g. an ``authenticator``)."""
    from aiosmtpd.controller import Controller

    sink = Sink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, **options)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def mail_settings(port: int) -> dict[str, object]:
    """Settings that send e-mail to the sink on ``port`` (plain SMTP: the sink has no TLS)."""
    return {
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_sender": "noreply@techmatch.test",
        "smtp_starttls": False, "smtp_timeout": 5.0, "public_url": "http://jishu.test",
    }  # fmt: skip


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    content: str = part.get_content()
    return content
