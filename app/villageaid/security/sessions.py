"""Session generations, idle timeout and password expiry.

Every web session and every API token carries the user's *generation*
(``va_user_security.generation``). Raising it — on logout, a password
change, deactivation, a lockout — ends every session and token of that user
at their next request: the web check runs before every request, the token
check in the JWT user loader.
"""
import time
from datetime import timedelta

from flask import current_app, flash, has_request_context, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import logout_user
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event, insert, inspect, select, update

from ..models import UserSecurity, utcnow
from . import loginlog
from .settings import setting

GENERATION_KEY = "_va_gen"
SEEN_KEY = "_va_seen"
TABLE = UserSecurity.__table__


def generation(user_id, connection=None):
    connection = connection or current_app.appbuilder.session.connection()
    value = connection.execute(select(TABLE.c.generation).where(TABLE.c.user_id == user_id)).scalar()
    return value or 1


def ensure_row(user_id):
    """The user's security row; created (password counted from now) when missing."""
    s = current_app.appbuilder.session
    row = s.get(UserSecurity, user_id)
    if row is None:
        row = UserSecurity(user_id=user_id, generation=1, password_changed_on=utcnow(), totp_enabled=False)
        s.add(row)
        s.flush()
    return row


def bump(user_id, connection=None, password_changed=False):
    """Raise the user's generation (ends all sessions and tokens); returns it."""
    connection = connection or current_app.appbuilder.session.connection()
    values = {"generation": TABLE.c.generation + 1}
    if password_changed:
        values["password_changed_on"] = utcnow()
    result = connection.execute(update(TABLE).where(TABLE.c.user_id == user_id).values(**values))
    if result.rowcount == 0:
        connection.execute(
            insert(TABLE).values(
                user_id=user_id, generation=2, password_changed_on=utcnow(), totp_enabled=False
            )
        )
    return generation(user_id, connection)


def _state(user_id):
    """(generation, when the password was set) in one query."""
    row = current_app.appbuilder.session.execute(
        select(TABLE.c.generation, TABLE.c.password_changed_on).where(TABLE.c.user_id == user_id)
    ).first()
    return (row[0], row[1]) if row else (1, None)


def _expired(changed):
    days = setting("VILLAGEAID_PASSWORD_MAX_AGE_DAYS")
    return bool(days) and changed is not None and changed + timedelta(days=days) < utcnow()


def password_expired(user_id):
    return _expired(_state(user_id)[1])


def stamp(user_id):
    """Mark the current web session as belonging to the user's current generation."""
    session[GENERATION_KEY] = generation(user_id)
    session[SEEN_KEY] = int(time.time())


def end_web_session():
    logout_user()
    for key in (GENERATION_KEY, SEEN_KEY):
        session.pop(key, None)


def _refuse(message):
    if request.path.startswith("/api/"):
        response = jsonify(message=message)
        response.status_code = 401
        return response
    flash(message, "warning")
    return redirect(current_app.appbuilder.get_url_for_login_with(request.full_path if request.method == "GET" else ""))


def _exempt():
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static") or endpoint.startswith("appbuilder.")


def check_request():
    """Before every request: a signed-in web session must carry the user's
    current generation and have been used within the idle timeout; a user
    whose password expired may only change it (or sign out)."""
    user_id = session.get("_user_id")
    if not user_id or _exempt():
        return None
    user_id = int(user_id)
    current, changed = _state(user_id)
    if session.get(GENERATION_KEY) != current:
        end_web_session()
        return _refuse(_("Your session has ended. Please sign in again."))
    idle = setting("VILLAGEAID_SESSION_IDLE_MINUTES")
    now = int(time.time())
    if idle and now - int(session.get(SEEN_KEY) or 0) > idle * 60:
        user = current_app.appbuilder.sm.get_user_by_id(user_id)
        loginlog.record(user.username if user else str(user_id), user, "idle_timeout", "web")
        end_web_session()
        return _refuse(_("You were signed out after %(minutes)d minutes without activity.", minutes=idle))
    session[SEEN_KEY] = now
    if _expired(changed) and request.endpoint not in _password_change_endpoints():
        if request.path.startswith("/api/"):
            return _refuse(_("Your password has expired. Change it before doing anything else."))
        flash(_("Your password has expired. Change it before doing anything else."), "warning")
        return redirect(url_for("ResetMyPasswordView.this_form_get"))
    return None


def _password_change_endpoints():
    sm = current_app.appbuilder.sm
    return {
        "ResetMyPasswordView.this_form_get",
        "ResetMyPasswordView.this_form_post",
        sm.auth_view.endpoint + ".logout",
    }


def user_changed(mapper, connection, target):
    """A new password or a deactivation ends the user's sessions and tokens.
    The user's own current web session, when it made the change, stays."""
    state = inspect(target)
    password_changed = state.attrs.password.history.has_changes()
    deactivated = state.attrs.active.history.has_changes() and not target.active
    if not (password_changed or deactivated):
        return
    new = bump(target.id, connection, password_changed=password_changed)
    if (
        password_changed
        and not deactivated
        and has_request_context()
        and str(session.get("_user_id")) == str(target.id)
        and GENERATION_KEY in session
    ):
        session[GENERATION_KEY] = new


def user_added(mapper, connection, target):
    connection.execute(
        insert(TABLE).values(
            user_id=target.id, generation=1, password_changed_on=utcnow(), totp_enabled=False
        )
    )


def listen(user_model):
    if not event.contains(user_model, "before_update", user_changed):
        event.listen(user_model, "before_update", user_changed)
        event.listen(user_model, "after_insert", user_added)


class SecureWhenHttpsSessionInterface(SecureCookieSessionInterface):
    """The session cookie is `Secure` whenever the request came over HTTPS
    (behind a proxy: with PROXY_FIX_X_FOR set), and always with
    SESSION_COOKIE_SECURE."""

    def get_cookie_secure(self, app):
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def secure_cookies_over_https(app):
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = SecureWhenHttpsSessionInterface()
