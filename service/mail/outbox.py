"""What is e-mailed, when SMTP is configured: a copy of each new inbox message to its
account's e-mail address, and the one-time reset link asked for on the 忘记密码 page.

The account lookups, the reset token and the sending all happen on the mail thread, so a
request that asks for a reset takes the same time whether or not the account exists.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import Future

from service.accounts import Accounts
from service.accounts.throttle import Throttle
from service.catalog.models import utcnow
from service.mail.compose import Mail, notification_mail, reset_mail
from service.mail.smtp import Mailer

RESET_MAIL_HOURS = 2  # a link sent by e-mail works this long (a broker's link: 72 hours)
log = logging.getLogger(__name__)
RESET_PATH = "/reset/{token}"  # the page that redeems a reset token (web/admin.py)


class NotificationMail:
    """Copies new inbox messages to e-mail; does nothing when e-mail is off."""

    def __init__(self, accounts: Accounts, mailer: Mailer, site_url: str) -> None:
        self.accounts = accounts
        self.mailer = mailer
        self.site_url = site_url

    def told(self, user_id: int, title: str, link: str | None) -> Future[int] | None:
        """Queue the e-mail copy of a message just added to ``user_id``'s inbox."""
        if not self.mailer.enabled:
            return None
        when = utcnow()

        def mails() -> list[Mail]:
            user = self.accounts.get(user_id)  # None once the account is disabled
            if user is None or not user.email:
                return []
            return [notification_mail(user.email, user.display_name, title, link, when,
                                      self.site_url)]  # fmt: skip

        return self.mailer.submit(mails, f"notification to account {user_id}")


class PasswordMail:
    """Sends a one-time password-reset link to the e-mail address of the account asked for."""

    def __init__(
        self, accounts: Accounts, mailer: Mailer, site_url: str, throttle: Throttle
    ) -> None:
        self.accounts = accounts
        self.mailer = mailer
        self.site_url = site_url
        self.throttle = throttle

    @property
    def enabled(self) -> bool:
        return self.mailer.enabled

    def request(self, typed: str) -> Future[int] | None:
        """Queue a reset link for each account ``typed`` names (username, e-mail or phone);
        nothing is said about whether there is one."""
        if not self.mailer.enabled:
            return None
        asked_at = dt.datetime.now(dt.UTC)

        def mails() -> list[Mail]:
            out = []
            for user in self.accounts.get_many(self.accounts.find_for_reset(typed)).values():
                if user.disabled or not user.email:
                    continue
                if not self.throttle.reset_mail_allowed(user.id):
                    log.info("reset mail to account %d not sent: asked too often", user.id)
                    continue
                token = self.accounts.issue_reset(user.id, None, hours=RESET_MAIL_HOURS)
                url = self.site_url + RESET_PATH.format(token=token)
                out.append(reset_mail(user.email, user.display_name, user.username, url,
                                      RESET_MAIL_HOURS, asked_at))  # fmt: skip
            return out

        return self.mailer.submit(mails, "password reset link")
