"""Limits on guessing: failed sign-ins and password-reset requests, counted per client
address, per account name (sign-ins) and per account (reset mails, however the account is
named: username, e-mail address or phone) in a moving window (the ``limits`` library, in
memory: each server process counts its own, so N workers admit up to N times as many)."""

from __future__ import annotations

import threading

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

WINDOW_MINUTES = 15
LOGIN_PER_NAME = parse(f"10/{WINDOW_MINUTES} minutes")  # failed sign-ins, one name, one address
LOGIN_PER_ADDRESS = parse(f"50/{WINDOW_MINUTES} minutes")  # failed sign-ins from one address
RESET_PER_ADDRESS = parse(f"5/{WINDOW_MINUTES} minutes")  # reset requests from one address
RESET_PER_ACCOUNT = parse(f"3/{WINDOW_MINUTES} minutes")  # reset mails to one account
LOGIN_MESSAGE = f"登录失败次数过多，请 {WINDOW_MINUTES} 分钟后再试，或使用「忘记密码」"
RESET_MESSAGE = f"申请过于频繁，请 {WINDOW_MINUTES} 分钟后再试"


class Throttle:
    def __init__(self) -> None:
        self._limiter: MovingWindowRateLimiter | None = None
        self._lock = threading.Lock()

    def _get(self) -> MovingWindowRateLimiter:
        with self._lock:  # made on first use: the memory store starts a timer thread
            if self._limiter is None:
                self._limiter = MovingWindowRateLimiter(MemoryStorage())
            return self._limiter

    @staticmethod
    def _login(address: str, username: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        # the name is counted per address: failing from elsewhere cannot lock its owner out
        name = username.strip().lower()[:160]
        return [(LOGIN_PER_NAME, ("login", address, name)), (LOGIN_PER_ADDRESS, ("login", address))]

    def login_allowed(self, address: str, username: str) -> bool:
        """False while this address has failed too often, for this name or at all."""
        limiter = self._get()
        return all(limiter.test(item, *keys) for item, keys in self._login(address, username))

    def login_failed(self, address: str, username: str) -> None:
        limiter = self._get()
        for item, keys in self._login(address, username):
            limiter.hit(item, *keys)

    def reset_allowed(self, address: str) -> bool:
        """Count a reset request; False when this address asked too often."""
        return self._get().hit(RESET_PER_ADDRESS, "reset", address)

    def reset_mail_allowed(self, user_id: int) -> bool:
        """Count a reset mail to this account; False past the limit (no flood of mails to one
        person, whichever of its names, spellings or addresses the asks used)."""
        return self._get().hit(RESET_PER_ACCOUNT, "reset-account", str(user_id))
