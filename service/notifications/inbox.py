"""The inbox: notify an account once per event (copied to e-mail when SMTP is configured),
count what is unread, list, mark read."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from service.catalog.db import retry_when_locked
from service.catalog.models import utcnow
from service.mail.outbox import NotificationMail
from service.notifications.models import NotificationRow
from service.stamps import Timestamp


class Notification(BaseModel):
    id: int
    title: str
    link: str | None
    created_at: Timestamp
    read: bool


class Inbox:
    def __init__(self, engine: Engine, mail: NotificationMail | None = None) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.mail = mail

    def notify(self, user_id: int, key: str, title: str, link: str | None = None) -> bool:
        """Add a message unless this event (``key``) was already told; True when added. A new
        message is also queued for e-mail (after it is stored, so a failed send loses
        nothing)."""
        added = self._add(user_id, key, title, link)
        if added and self.mail is not None:
            self.mail.told(user_id, title[:300], link)
        return added

    @retry_when_locked
    def _add(self, user_id: int, key: str, title: str, link: str | None) -> bool:
        try:
            with self._sessions.begin() as session:
                found = session.scalar(
                    select(NotificationRow.id).where(
                        NotificationRow.user_id == user_id, NotificationRow.key == key[:160]
                    )
                )
                if found is not None:
                    return False
                session.add(
                    NotificationRow(user_id=user_id, key=key[:160], title=title[:300], link=link)
                )
                return True
        except IntegrityError:  # told concurrently by another request
            return False

    def unread_count(self, user_id: int) -> int:
        with self._sessions() as session:
            return (
                session.scalar(
                    select(func.count()).where(
                        NotificationRow.user_id == user_id, NotificationRow.read_at.is_(None)
                    )
                )
                or 0
            )

    def items(self, user_id: int, limit: int = 100) -> list[Notification]:
        with self._sessions() as session:
            rows = session.scalars(
                select(NotificationRow)
                .where(NotificationRow.user_id == user_id)
                .order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc())
                .limit(limit)
            )
            return [
                Notification(
                    id=r.id,
                    title=r.title,
                    link=r.link,
                    created_at=r.created_at,
                    read=r.read_at is not None,
                )
                for r in rows
            ]

    def mark_read(self, user_id: int) -> int:
        """Mark every message of the account read; how many were unread."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(NotificationRow)
                .where(NotificationRow.user_id == user_id, NotificationRow.read_at.is_(None))
                .values(read_at=utcnow())
            )
            return int(getattr(result, "rowcount", 0) or 0)
