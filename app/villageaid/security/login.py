"""The sign-in flow shared by the web form and the API: throttle, password,
second factor, expiry, login log."""
import time

from flask import current_app, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import login_user

from . import loginlog, sessions, throttle, totp
from .settings import PENDING_SECONDS

PENDING_KEY = "_va_pending"


def lock_message(lock):
    if lock.kind == "account":
        return _(
            "Too many failed sign-ins to this account. Try again in %(seconds)d seconds.",
            seconds=lock.seconds,
        )
    return _(
        "Too many failed sign-ins. Try again in %(minutes)d minutes.",
        minutes=(lock.seconds + 59) // 60,
    )


def invalid_message():
    return _("Invalid login. Please try again.")


def _find(sm, username):
    return sm.find_user(username=username) or sm.find_user(email=username)


def failed(username, user, outcome, channel):
    """Count and log a failure; a lock it causes ends the account's sessions
    and tokens. Returns the message to show."""
    address = loginlog.client_address()
    lock = throttle.record_failure(username, address)
    loginlog.record(username, user, outcome, channel)
    if lock is None:
        return invalid_message()
    if user is not None:
        sessions.bump(user.id)
        current_app.appbuilder.session.commit()
    return lock_message(lock)


def check_password(username, password, channel):
    """(user, None) when the password is right and nothing holds the
    account; else (None, message to show). Every refusal is logged."""
    sm = current_app.appbuilder.sm
    address = loginlog.client_address()
    lock = throttle.current_lock(username, address)
    if lock is not None:
        loginlog.record(username, _find(sm, username), "locked", channel)
        return None, lock_message(lock)
    user = sm.auth_user_db_unthrottled(username, password)
    if user is not None:
        return user, None
    known = _find(sm, username)
    if known is None:
        outcome = "unknown_user"
    elif not known.is_active:
        outcome = "inactive"
    else:
        outcome = "wrong_password"
    return None, failed(username, known, outcome, channel)


def check_second_factor(user, code, channel):
    """(None, False) when the code (or a recovery code) is right; else
    (message, locked): locked when sign-ins are now held for the account."""
    lock = throttle.current_lock(user.username, loginlog.client_address())
    if lock is not None:  # no guessing codes while locked
        loginlog.record(user.username, user, "locked", channel)
        return lock_message(lock), True
    if totp.verify(user.id, code):
        return None, False
    message = failed(user.username, user, "totp_failed", channel)
    if message == invalid_message():
        return _("Wrong one-time code."), False
    return message, True


def succeeded(user, channel, outcome="success"):
    throttle.clear(user.username, loginlog.client_address())
    loginlog.record(user.username, user, outcome, channel)


def sign_in_web(user):
    """Start the web session (the password and any second factor checked)."""
    session.pop(PENDING_KEY, None)
    sessions.ensure_row(user.id)
    current_app.appbuilder.session.commit()
    login_user(user, remember=False)
    sessions.stamp(user.id)
    expired = sessions.password_expired(user.id)
    succeeded(user, "web", "password_expired" if expired else "success")


def after_password_web(user, next_url):
    """Sign in, or ask for the second factor (enrolling first if needed)."""
    if totp.required(user):
        session[PENDING_KEY] = {"uid": user.id, "at": int(time.time()), "next": next_url}
        if totp.enrolled(user.id):
            return redirect(url_for("va_security.second_factor"))
        return redirect(url_for("va_security.enrol"))
    sign_in_web(user)
    return redirect(next_url)


def pending_user():
    """The user whose password was checked and who owes the second factor."""
    pending = session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None, None
    user = current_app.appbuilder.sm.get_user_by_id(pending["uid"])
    if user is None or not user.is_active:
        session.pop(PENDING_KEY, None)
        return None, None
    return user, pending
