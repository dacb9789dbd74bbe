"""登录日志: one row per sign-in attempt, sign-out and ended session."""
from flask import current_app, has_request_context, request

from ..models import LoginEvent

SUCCESSES = {"success", "password_expired", "logout"}


def client_address():
    return (request.remote_addr or "")[:64] if has_request_context() else ""


def record(username, user, outcome, channel):
    """Write one row and commit it (a refused sign-in leaves its row too)."""
    s = current_app.appbuilder.session
    s.add(
        LoginEvent(
            username=(username or "")[:256],
            user_id=getattr(user, "id", None),
            channel=channel,
            outcome=outcome,
            success=outcome in SUCCESSES,
            address=client_address() or None,
            user_agent=(request.user_agent.string or "")[:500] if has_request_context() else None,
        )
    )
    s.commit()
