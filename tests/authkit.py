"""Helpers for the sign-in security tests: fresh accounts, sign-in over
HTTP from a chosen address, and what a person sees on the page."""
import itertools
import re
from html import unescape

from sqlalchemy import delete, select, update

from villageaid.models import LoginEvent, LoginThrottle, UserSecurity

from .helpers import PASSWORD, database

_numbers = itertools.count(1)


def new_user(app, role="Office", password=PASSWORD):
    """A fresh account of `role` (so that counters and sessions of one test
    never touch another's)."""
    username = "u%d_%s" % (next(_numbers), role.lower())
    sm = app.appbuilder.sm
    with app.app_context():
        user = sm.add_user(username, username, "Test", "%s@villageaid.invalid" % username, sm.find_role(role), password=password)
        assert user, "could not create %s" % username
    return username


def user_id(app, username):
    with app.app_context():
        return app.appbuilder.sm.find_user(username=username).id


def alerts(html):
    """Flashed messages on a page."""
    found = re.findall(r'<div class="alert alert-\w+">\s*<button[^>]*>[^<]*</button>\s*([^<]+?)\s*</div>', html)
    return [unescape(m.strip()) for m in found]


def csrf(client, url="/login/"):
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def web_login(client, username, password=PASSWORD, address="127.0.0.1"):
    """Post the login form from `address`; returns the response (not followed)."""
    token = csrf(client)
    return client.post(
        "/login/", data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def api_login(app, username, password=PASSWORD, address="127.0.0.1", **extra):
    body = {"username": username, "password": password, "provider": "db", **extra}
    return app.test_client().post("/api/v1/security/login", json=body, environ_base={"REMOTE_ADDR": address})


def signed_in(client):
    """Is this browser signed in (it reaches a page that needs a user)?"""
    return client.get("/users/userinfo/").status_code == 200


def page_messages(client, resp):
    """Follow a redirect and return the flashed messages shown."""
    assert resp.status_code == 302, resp.status_code
    return alerts(client.get(resp.headers["Location"]).get_data(as_text=True))


def events(username):
    with database() as s:
        return [
            (e.outcome, e.channel, e.address)
            for e in s.scalars(select(LoginEvent).where(LoginEvent.username == username).order_by(LoginEvent.id))
        ]


def security_row(username_id, **values):
    with database() as s:
        s.execute(update(UserSecurity).where(UserSecurity.user_id == username_id).values(**values))
        s.commit()


def expire_locks():
    from villageaid.models import utcnow

    with database() as s:
        s.execute(update(LoginThrottle).values(locked_until=utcnow()))
        s.commit()


def clear_throttle():
    with database() as s:
        s.execute(delete(LoginThrottle))
        s.commit()
