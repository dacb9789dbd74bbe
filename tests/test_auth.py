"""Sign-in security over HTTP: throttle and lockout (web and API, counted
in the database), the login log, logout by POST, idle timeout, session
generations (logout, password change, deactivation, lockout end every
session and token), password policy and expiry."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from villageaid import bootstrap
from villageaid.models import LoginEvent, LoginThrottle, utcnow
from villageaid.security.passwords import generate_password, policy_problem

from .authkit import (
    alerts, api_login, clear_throttle, csrf, events, expire_locks, new_user, page_messages,
    security_row, signed_in, user_id, web_login,
)
from .helpers import PASSWORD, database

LOCKED_ZH = "登录失败次数过多"
INVALID_ZH = "无效的用户名或密码"


@pytest.fixture(autouse=True)
def no_counters():
    yield
    clear_throttle()


def fresh_client(app, lang="zh"):
    client = app.test_client()
    client.get("/lang/%s" % lang)
    return client


# --- throttle and lockout -------------------------------------------------


def test_five_wrong_passwords_lock_the_account_from_that_address_only(app):
    name = new_user(app)
    attacker = fresh_client(app)
    for _i in range(4):
        messages = page_messages(attacker, web_login(attacker, name, "wrong-Pass-1", address="10.0.0.9"))
        assert any(INVALID_ZH in m for m in messages), messages
    messages = page_messages(attacker, web_login(attacker, name, "wrong-Pass-1", address="10.0.0.9"))
    assert any(LOCKED_ZH in m and "15 分钟" in m for m in messages), messages
    # locked: even the right password is refused from that address
    resp = web_login(attacker, name, PASSWORD, address="10.0.0.9")
    assert any(LOCKED_ZH in m for m in page_messages(attacker, resp))
    assert not signed_in(attacker)
    # the owner, elsewhere, signs in
    owner = fresh_client(app)
    assert web_login(owner, name, PASSWORD, address="10.0.0.1").status_code == 302
    assert signed_in(owner)
    assert events(name) == [("wrong_password", "web", "10.0.0.9")] * 5 + [
        ("locked", "web", "10.0.0.9"), ("success", "web", "10.0.0.1")
    ]


def test_the_lock_ends_after_the_lockout_and_a_success_clears_the_count(app):
    name = new_user(app)
    client = fresh_client(app)
    for _i in range(5):
        web_login(client, name, "wrong-Pass-1")
    assert any(LOCKED_ZH in m for m in page_messages(client, web_login(client, name, PASSWORD)))
    expire_locks()
    assert web_login(client, name, PASSWORD).headers["Location"].endswith("/")
    assert signed_in(client)
    with database() as s:
        assert s.scalar(select(func.count()).select_from(LoginThrottle).where(
            LoginThrottle.username == name, LoginThrottle.address == "127.0.0.1")) == 0


def test_api_login_is_throttled_and_shares_the_count_with_the_web(app):
    name = new_user(app)
    client = fresh_client(app)
    for _i in range(3):
        web_login(client, name, "wrong-Pass-1", address="10.0.0.7")
    resp = api_login(app, name, "wrong-Pass-1", address="10.0.0.7")
    assert resp.status_code == 401
    resp = api_login(app, name, "wrong-Pass-1", address="10.0.0.7")
    assert resp.status_code == 401 and LOCKED_ZH in resp.get_json()["message"]
    resp = api_login(app, name, PASSWORD, address="10.0.0.7")
    assert resp.status_code == 401 and "请 15 分钟后再试" in resp.get_json()["message"]
    assert "access_token" not in resp.get_json()
    assert api_login(app, name, PASSWORD, address="10.0.0.8").status_code == 200
    assert [e[0] for e in events(name)][-4:] == ["wrong_password", "wrong_password", "locked", "success"]
    assert events(name)[-2][1] == "api"


def test_failures_from_many_addresses_hold_the_account_briefly(app):
    app.config.update(VILLAGEAID_LOGIN_ACCOUNT_MAX_ATTEMPTS=6, VILLAGEAID_LOGIN_ACCOUNT_DELAY_SECONDS=45)
    try:
        name = new_user(app)
        for i in range(6):
            assert api_login(app, name, "wrong-Pass-1", address="10.1.0.%d" % i).status_code == 401
        resp = api_login(app, name, PASSWORD, address="10.9.9.9")
        assert resp.status_code == 401
        assert "该账号登录失败次数过多" in resp.get_json()["message"]
        seconds = int(resp.get_json()["message"].split("请 ")[1].split()[0])
        assert 0 < seconds <= 45
        expire_locks()
        assert api_login(app, name, PASSWORD, address="10.9.9.9").status_code == 200
    finally:
        app.config.update(VILLAGEAID_LOGIN_ACCOUNT_MAX_ATTEMPTS=20, VILLAGEAID_LOGIN_ACCOUNT_DELAY_SECONDS=60)


def test_the_account_delay_is_bounded(app):
    app.config.update(VILLAGEAID_LOGIN_ACCOUNT_MAX_ATTEMPTS=2, VILLAGEAID_LOGIN_ACCOUNT_DELAY_SECONDS=86400)
    try:
        name = new_user(app)
        for i in range(2):
            api_login(app, name, "wrong-Pass-1", address="10.2.0.%d" % i)
        with database() as s:
            row = s.scalar(select(LoginThrottle).where(LoginThrottle.username == name, LoginThrottle.address == ""))
            assert row.locked_until <= utcnow() + timedelta(seconds=301)
    finally:
        app.config.update(VILLAGEAID_LOGIN_ACCOUNT_MAX_ATTEMPTS=20, VILLAGEAID_LOGIN_ACCOUNT_DELAY_SECONDS=60)


def test_unknown_and_inactive_accounts_get_the_same_message_and_are_logged(app):
    name = new_user(app)
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=name)
        user.active = False
        app.appbuilder.sm.update_user(user)
    client = fresh_client(app, "en")
    assert page_messages(client, web_login(client, name, PASSWORD)) == ["Invalid login. Please try again."]
    assert page_messages(client, web_login(client, "nobody_here", PASSWORD)) == ["Invalid login. Please try again."]
    assert events(name) == [("inactive", "web", "127.0.0.1")]
    assert events("nobody_here") == [("unknown_user", "web", "127.0.0.1")]
    assert api_login(app, name).status_code == 401


def test_a_lockout_ends_the_sessions_and_tokens_of_the_account(app):
    name = new_user(app)
    owner = fresh_client(app)
    web_login(owner, name)
    token = api_login(app, name).get_json()["access_token"]
    api = app.test_client()
    assert api.get("/api/v1/village/", headers={"Authorization": "Bearer " + token}).status_code == 200
    attacker = fresh_client(app)
    for _i in range(5):
        web_login(attacker, name, "wrong-Pass-1", address="10.3.0.1")
    resp = owner.get("/villageview/list/")
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]
    assert any("会话已结束" in m for m in alerts(owner.get(resp.headers["Location"]).get_data(as_text=True)))
    assert api.get("/api/v1/village/", headers={"Authorization": "Bearer " + token}).status_code == 401


# --- logout -----------------------------------------------------------------


def test_logout_is_a_post_with_the_csrf_token_and_ends_every_session(app):
    name = new_user(app)
    first, second = fresh_client(app), fresh_client(app)
    web_login(first, name)
    web_login(second, name)
    token = api_login(app, name).get_json()["access_token"]
    html = first.get("/").get_data(as_text=True)
    assert 'action="/logout/"' in html and 'method="post"' in html
    assert 'href="/logout/"' not in html
    assert first.get("/logout/").status_code == 405
    assert first.post("/logout/").status_code == 400  # no CSRF token
    assert signed_in(first)
    resp = first.post("/logout/", data={"csrf_token": csrf(first, "/users/userinfo/")})
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]
    assert not signed_in(first)
    assert not signed_in(second)
    assert app.test_client().get(
        "/api/v1/village/", headers={"Authorization": "Bearer " + token}
    ).status_code == 401
    assert events(name)[-1][0] == "logout"


# --- idle timeout -------------------------------------------------------------


def test_a_session_idle_longer_than_the_timeout_ends(app):
    name = new_user(app)
    client = fresh_client(app)
    web_login(client, name)
    with client.session_transaction() as sess:
        sess["_va_seen"] -= 29 * 60
    assert client.get("/villageview/list/").status_code == 200  # 29 minutes: still on
    with client.session_transaction() as sess:
        sess["_va_seen"] -= 31 * 60
    resp = client.get("/villageview/list/")
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]
    assert any("30 分钟" in m for m in alerts(client.get(resp.headers["Location"]).get_data(as_text=True)))
    assert not signed_in(client)
    assert events(name)[-1] == ("idle_timeout", "web", "127.0.0.1")


def test_a_copied_session_cookie_does_not_outlive_the_idle_timeout(app):
    name = new_user(app)
    client = fresh_client(app)
    web_login(client, name)
    with client.session_transaction() as sess:
        stale = dict(sess)
    stale["_va_seen"] -= 3600
    replay = fresh_client(app)
    with replay.session_transaction() as sess:
        sess.update(stale)
    assert not signed_in(replay)


# --- password changes and deactivation end sessions and tokens ---------------


def test_a_password_change_ends_the_other_sessions_and_tokens(app):
    name = new_user(app)
    here, elsewhere = fresh_client(app), fresh_client(app)
    web_login(here, name)
    web_login(elsewhere, name)
    token = api_login(app, name).get_json()["access_token"]
    new = "New-pass-4567"
    resp = here.post("/resetmypassword/form", data={
        "password": new, "conf_password": new, "csrf_token": csrf(here, "/resetmypassword/form")})
    assert resp.status_code == 302
    assert signed_in(here)  # the session that changed it stays
    assert not signed_in(elsewhere)
    assert app.test_client().get("/api/v1/village/", headers={"Authorization": "Bearer " + token}).status_code == 401
    assert api_login(app, name, PASSWORD).status_code == 401
    assert api_login(app, name, new).status_code == 200


def test_deactivation_ends_the_tokens_for_good(app, api):
    name = new_user(app)
    uid = user_id(app, name)
    token = api_login(app, name).get_json()["access_token"]
    headers = {"Authorization": "Bearer " + token}
    admin = api("admin")
    assert admin.put("/api/v1/security/users/%d" % uid, json={"active": False}).status_code == 200
    assert app.test_client().get("/api/v1/village/", headers=headers).status_code == 401
    assert admin.put("/api/v1/security/users/%d" % uid, json={"active": True}).status_code == 200
    # active again, but the old token stays dead
    assert app.test_client().get("/api/v1/village/", headers=headers).status_code == 401


def test_a_refresh_token_from_before_a_logout_is_refused(app):
    name = new_user(app)
    tokens = api_login(app, name, refresh=True).get_json()
    client = app.test_client()
    refreshed = client.post("/api/v1/security/refresh", headers={"Authorization": "Bearer " + tokens["refresh_token"]})
    assert refreshed.status_code == 200
    browser = fresh_client(app)
    web_login(browser, name)
    browser.post("/logout/", data={"csrf_token": csrf(browser, "/users/userinfo/")})
    again = client.post("/api/v1/security/refresh", headers={"Authorization": "Bearer " + tokens["refresh_token"]})
    assert again.status_code == 401


# --- password policy --------------------------------------------------------


WEAK = ["short-1A", "alllowercaseletters", "abcdefgh12"]  # too short / one class / two classes


def test_the_policy_and_generated_passwords(app):
    with app.test_request_context():
        for weak in WEAK:
            assert policy_problem(weak)
        assert policy_problem(PASSWORD) is None
        for _i in range(50):
            assert policy_problem(generate_password()) is None


def test_admin_cannot_create_a_user_with_a_weak_password_on_the_form(browser, app):
    b = browser("admin")
    with app.app_context():
        role = app.appbuilder.sm.find_role("Clerk").id
    form = {"first_name": "弱", "last_name": "密码", "username": "weakling", "active": "y",
            "email": "weakling@villageaid.invalid", "roles": str(role)}
    resp = b.post("/users/add", {**form, "password": "abcdefgh12", "conf_password": "abcdefgh12"})
    assert resp.status_code == 200
    assert "密码至少" in resp.get_data(as_text=True)
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="weakling") is None
    resp = b.post("/users/add", {**form, "password": "Strong-pass-99", "conf_password": "Strong-pass-99"})
    assert resp.status_code == 302
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="weakling") is not None


def test_weak_passwords_are_refused_on_reset_forms_and_the_api(app, browser, api):
    name = new_user(app)
    uid = user_id(app, name)
    me = browser(name)
    resp = me.post("/resetmypassword/form", {"password": "abcdefgh12", "conf_password": "abcdefgh12"})
    assert resp.status_code == 200 and "密码至少" in resp.get_data(as_text=True)
    b = browser("admin")
    url = "/resetpassword/form?pk=%d" % uid
    resp = b.post(url, {"password": "short-1A", "conf_password": "short-1A"})
    assert resp.status_code == 200 and "密码至少" in resp.get_data(as_text=True)
    assert api_login(app, name, PASSWORD).status_code == 200  # unchanged
    admin = api("admin")
    resp = admin.put("/api/v1/security/users/%d" % uid, json={"password": "alllowercaseletters"})
    assert resp.status_code == 400
    assert api_login(app, name, PASSWORD).status_code == 200
    with app.app_context():
        role = app.appbuilder.sm.find_role("Clerk").id
    resp = admin.post("/api/v1/security/users/", json={
        "first_name": "a", "last_name": "b", "username": "api_weak", "email": "api_weak@villageaid.invalid",
        "active": True, "roles": [role], "password": "abcdefgh12"})
    assert resp.status_code == 400
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="api_weak") is None


def test_cli_and_bootstrap_refuse_weak_passwords(app):
    from flask_appbuilder.cli import fab

    runner = app.test_cli_runner()
    result = runner.invoke(fab, args=[
        "create-user", "--role", "Clerk", "--username", "cli_weak", "--firstname", "a",
        "--lastname", "b", "--email", "cli_weak@villageaid.invalid", "--password", "abcdefgh12"])
    assert "No user created" in result.output
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="cli_weak") is None
        with pytest.raises(bootstrap.BootstrapError):
            bootstrap.ensure_user("boot_weak", "Clerk", password="abcdefgh12")
        assert app.appbuilder.sm.find_user(username="boot_weak") is None
        _user, generated = bootstrap.ensure_user("boot_generated", "Clerk")
    with app.test_request_context():
        assert policy_problem(generated) is None
    assert api_login(app, "boot_generated", generated).status_code == 200


# --- password expiry ----------------------------------------------------------


def test_an_expired_password_must_be_changed_before_anything_else(app):
    name = new_user(app)
    security_row(user_id(app, name), password_changed_on=utcnow() - timedelta(days=91))
    client = fresh_client(app)
    resp = web_login(client, name)
    assert resp.status_code == 302
    resp = client.get("/villageview/list/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/resetmypassword/form")
    assert any("密码已过期" in m for m in alerts(client.get(resp.headers["Location"]).get_data(as_text=True)))
    assert api_login(app, name).status_code == 401
    assert "密码已过期" in api_login(app, name).get_json()["message"]
    new = "Fresh-pass-2026"
    resp = client.post("/resetmypassword/form", data={
        "password": new, "conf_password": new, "csrf_token": csrf(client, "/resetmypassword/form")})
    assert resp.status_code == 302
    assert client.get("/villageview/list/").status_code == 200
    assert api_login(app, name, new).status_code == 200
    assert [e[0] for e in events(name)][:2] == ["password_expired", "password_expired_refused"]


def test_expiry_can_be_turned_off(app):
    app.config["VILLAGEAID_PASSWORD_MAX_AGE_DAYS"] = 0
    try:
        name = new_user(app)
        security_row(user_id(app, name), password_changed_on=utcnow() - timedelta(days=900))
        assert api_login(app, name).status_code == 200
    finally:
        app.config["VILLAGEAID_PASSWORD_MAX_AGE_DAYS"] = 90


# --- the login log ------------------------------------------------------------


def test_the_login_log_lists_filters_and_exports_for_the_office(app, browser):
    name = new_user(app)
    client = fresh_client(app)
    web_login(client, name, "wrong-Pass-1", address="10.4.0.1")
    web_login(client, name, PASSWORD, address="10.4.0.2")
    b = browser("office")
    html = b.get("/logineventview/list/?_flt_0_username=%s" % name).get_data(as_text=True)
    assert "10.4.0.1" in html and "10.4.0.2" in html
    assert "密码错误" in html and "登录成功" in html
    html = b.get("/logineventview/list/?_flt_0_username=%s&_flt_0_outcome=wrong_password" % name).get_data(as_text=True)
    assert "10.4.0.1" in html and "10.4.0.2" not in html
    csv = b.get("/logineventview/export/?_flt_0_username=%s" % name).get_data().decode("utf-8-sig")
    lines = csv.strip().split("\r\n")
    assert len(lines) == 3 and "10.4.0.1" in csv and "密码错误" in csv


def test_the_login_log_is_append_only_and_not_for_clerks(app, browser):
    b = browser("office")  # its sign-in is logged
    with database() as s:
        pk = s.scalar(select(func.max(LoginEvent.id)))
    assert b.get("/logineventview/show/%d" % pk).status_code == 200
    for url in ("/logineventview/edit/%d" % pk, "/logineventview/delete/%d" % pk, "/logineventview/add"):
        assert b.get(url).status_code in (403, 404, 405)
    assert b.post("/logineventview/delete/%d" % pk, token_from="/logineventview/list/").status_code in (403, 404, 405)
    with database() as s:
        assert s.get(LoginEvent, pk) is not None
    clerk = browser("clerk_town")
    assert clerk.get("/logineventview/list/").status_code in (302, 403)
    inspector = browser("inspector")
    assert inspector.get("/logineventview/list/").status_code in (302, 403)


def test_the_session_cookie_is_secure_over_https_only(app):
    name = new_user(app)
    plain = fresh_client(app)
    resp = web_login(plain, name)
    assert "Secure" not in resp.headers["Set-Cookie"]
    secure = app.test_client()
    html = secure.get("/login/", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    resp = secure.post("/login/", base_url="https://localhost", headers={"Referer": "https://localhost/login/"},
                       data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302
    cookie = resp.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_deleting_a_user_keeps_their_login_log(app, browser):
    name = new_user(app)
    uid = user_id(app, name)
    client = fresh_client(app)
    web_login(client, name, "wrong-Pass-1")
    web_login(client, name)
    b = browser("admin")
    resp = b.post("/users/delete/%d" % uid, token_from="/users/list/")
    assert resp.status_code == 302
    with app.app_context():
        assert app.appbuilder.sm.find_user(username=name) is None
    assert [e[0] for e in events(name)] == ["wrong_password", "success"]
    with database() as s:
        assert s.scalars(select(LoginEvent.user_id).where(LoginEvent.username == name)).all() == [None, None]
