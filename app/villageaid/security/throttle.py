"""Failed sign-ins, counted in the database so that every worker shares them.

- Per (account, address): `VILLAGEAID_LOGIN_MAX_ATTEMPTS` failures within
  `VILLAGEAID_LOGIN_WINDOW_MINUTES` lock that pair for
  `VILLAGEAID_LOGIN_LOCKOUT_MINUTES`. Other addresses are not affected, so
  nobody locks another user out from one address.
- Per account (all addresses): `VILLAGEAID_LOGIN_ACCOUNT_MAX_ATTEMPTS`
  failures within the window hold every sign-in to the account for
  `VILLAGEAID_LOGIN_ACCOUNT_DELAY_SECONDS` (at most five minutes): a
  guessing attack spread over many addresses is slowed, a legitimate user
  waits a minute at most.

While locked, attempts are refused before the password is checked and are
not counted. A successful sign-in clears its pair's counter.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..models import LoginThrottle, utcnow
from .settings import ACCOUNT_DELAY_CAP, setting

ACCOUNT = ""  # the address of the account-wide counter


@dataclass
class Lock:
    kind: str  # "address" or "account"
    seconds: int


def account_key(username):
    return (username or "").strip().lower()[:256]


def _row(s, username, address, create):
    query = select(LoginThrottle).where(
        LoginThrottle.username == username, LoginThrottle.address == address
    )
    if s.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    row = s.scalar(query)
    if row is None and create:
        try:
            with s.begin_nested():
                row = LoginThrottle(username=username, address=address, failures=0, window_start=utcnow())
                s.add(row)
        except IntegrityError:  # another worker made it first
            row = s.scalar(query)
    return row


def current_lock(username, address):
    """The lock in force for this (account, address), if any."""
    s = current_app.appbuilder.session
    now = utcnow()
    rows = s.scalars(
        select(LoginThrottle).where(
            LoginThrottle.username == account_key(username),
            LoginThrottle.address.in_([address, ACCOUNT]),
            LoginThrottle.locked_until > now,
        )
    ).all()
    locks = [
        Lock("account" if row.address == ACCOUNT else "address", int((row.locked_until - now).total_seconds()) + 1)
        for row in rows
    ]
    return max(locks, key=lambda lock: lock.seconds) if locks else None


def record_failure(username, address):
    """Count a failure; returns the lock it caused, if any. Commits."""
    s = current_app.appbuilder.session
    key = account_key(username)
    now = utcnow()
    window = timedelta(minutes=setting("VILLAGEAID_LOGIN_WINDOW_MINUTES"))
    caused = None
    limits = (
        (address, setting("VILLAGEAID_LOGIN_MAX_ATTEMPTS"),
         timedelta(minutes=setting("VILLAGEAID_LOGIN_LOCKOUT_MINUTES")), "address"),
        (ACCOUNT, setting("VILLAGEAID_LOGIN_ACCOUNT_MAX_ATTEMPTS"),
         timedelta(seconds=min(setting("VILLAGEAID_LOGIN_ACCOUNT_DELAY_SECONDS"), ACCOUNT_DELAY_CAP)), "account"),
    )
    for addr, limit, hold, kind in limits:
        if not limit:
            continue
        row = _row(s, key, addr, create=True)
        if row.window_start < now - window:
            row.failures, row.window_start = 0, now
        row.failures += 1
        if row.failures >= limit:
            row.failures, row.window_start = 0, now
            row.locked_until = now + hold
            if caused is None or hold.total_seconds() > caused.seconds:
                caused = Lock(kind, int(hold.total_seconds()))
    s.commit()
    return caused


def clear(username, address):
    s = current_app.appbuilder.session
    row = _row(s, account_key(username), address, create=False)
    if row is not None:
        s.delete(row)
    s.commit()
