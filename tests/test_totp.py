"""The TOTP second factor over HTTP: enrolment on first sign-in (QR code
made locally), codes and single-use recovery codes, the API's `totp` field."""
import re
import time

import pyotp
import pytest
from sqlalchemy import select

from villageaid.models import RecoveryCode

from .authkit import alerts, api_login, clear_throttle, csrf, events, new_user, signed_in, user_id, web_login
from .helpers import database


@pytest.fixture
def office_totp(app):
    """The second factor required of the office (as a county would set it)."""
    app.config["VILLAGEAID_TOTP_ROLES"] = ["Admin", "Office"]
    yield
    app.config["VILLAGEAID_TOTP_ROLES"] = []
    clear_throttle()


def fresh_client(app):
    client = app.test_client()
    client.get("/lang/zh")
    return client


def enrol(app, name):
    """Sign in for the first time and turn the second factor on; returns
    (client, secret, recovery codes)."""
    client = fresh_client(app)
    resp = web_login(client, name)
    assert resp.headers["Location"].endswith("/security/second-factor/enrol/")
    html = client.get("/security/second-factor/enrol/").get_data(as_text=True)
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>")[0].replace("http://www.w3.org/2000/svg", "")
    secret = re.search(r'id="va-totp-secret">([A-Z2-7]+)<', html).group(1)
    token = csrf(client, "/security/second-factor/enrol/")
    resp = client.post("/security/second-factor/enrol/", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert resp.headers["Location"].endswith("/security/recovery-codes/")
    html = client.get("/security/recovery-codes/").get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", html)
    return client, secret, codes


def test_first_sign_in_enrols_then_shows_the_recovery_codes_once(app, office_totp):
    name = new_user(app, "Office")
    client = fresh_client(app)
    web_login(client, name)
    assert not signed_in(client)  # the password alone is not enough
    token = csrf(client, "/security/second-factor/enrol/")
    resp = client.post("/security/second-factor/enrol/", data={"code": "000000", "csrf_token": token})
    assert resp.status_code == 200
    assert "动态验证码错误" in "".join(alerts(resp.get_data(as_text=True)))
    assert not signed_in(client)
    client, _secret, codes = enrol(app, name)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert signed_in(client)
    assert client.get("/security/recovery-codes/").status_code == 302  # shown once
    with database() as s:
        stored = [r.code_hash for r in s.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user_id(app, name)))]
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)


def test_sign_in_asks_for_the_code_after_the_password(app, office_totp):
    name = new_user(app, "Office")
    _client, secret, codes = enrol(app, name)
    client = fresh_client(app)
    resp = web_login(client, name)
    assert resp.headers["Location"].endswith("/security/second-factor/")
    assert not signed_in(client)
    token = csrf(client, "/security/second-factor/")
    resp = client.post("/security/second-factor/", data={"code": "123456", "csrf_token": token})
    assert "动态验证码错误" in "".join(alerts(resp.get_data(as_text=True)))
    assert not signed_in(client)
    # the code the enrolment used was spent; a recovery code works once
    resp = client.post("/security/second-factor/", data={"code": codes[0].upper(), "csrf_token": token})
    assert resp.status_code == 302 and signed_in(client)
    other = fresh_client(app)
    web_login(other, name)
    token = csrf(other, "/security/second-factor/")
    resp = other.post("/security/second-factor/", data={"code": codes[0], "csrf_token": token})
    assert not signed_in(other)
    assert [e[0] for e in events(name)] == ["success", "totp_failed", "success", "totp_failed"]


def enrolled_step(app, name):
    from villageaid.models import UserSecurity

    with database() as s:
        return s.get(UserSecurity, user_id(app, name)).totp_last_step


def test_a_code_is_good_once(app, office_totp):
    name = new_user(app, "Office")
    _client, secret, _codes = enrol(app, name)
    totp = pyotp.TOTP(secret)
    spent_step = enrolled_step(app, name)
    first = fresh_client(app)
    web_login(first, name)
    token = csrf(first, "/security/second-factor/")
    first.post("/security/second-factor/", data={"code": totp.at(spent_step * 30), "csrf_token": token})
    assert not signed_in(first)  # the enrolment's code is spent
    # the next step's code (accepted within one step of drift) works once
    code = totp.at(time.time() + 30)
    first = fresh_client(app)
    web_login(first, name)
    first.post("/security/second-factor/", data={"code": code, "csrf_token": csrf(first, "/security/second-factor/")})
    assert signed_in(first)
    second = fresh_client(app)
    web_login(second, name)
    second.post("/security/second-factor/", data={"code": code, "csrf_token": csrf(second, "/security/second-factor/")})
    assert not signed_in(second)


def test_wrong_codes_count_towards_the_lockout(app, office_totp):
    name = new_user(app, "Office")
    enrol(app, name)
    client = fresh_client(app)
    web_login(client, name)
    token = csrf(client, "/security/second-factor/")
    for _i in range(5):
        resp = client.post("/security/second-factor/", data={"code": "000000", "csrf_token": token})
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]
    assert any("登录失败次数过多" in m for m in alerts(client.get(resp.headers["Location"]).get_data(as_text=True)))
    assert client.get("/security/second-factor/").status_code == 302


def test_the_second_factor_page_needs_a_checked_password(app, office_totp):
    client = fresh_client(app)
    for url in ("/security/second-factor/", "/security/second-factor/enrol/"):
        resp = client.get(url)
        assert resp.status_code == 302 and "/login/" in resp.headers["Location"]


def test_api_login_needs_the_code(app, office_totp):
    name = new_user(app, "Office")
    resp = api_login(app, name)
    assert resp.status_code == 401 and "双因素" in resp.get_json()["message"]  # not set up yet
    _client, secret, codes = enrol(app, name)
    resp = api_login(app, name)
    assert resp.status_code == 401 and "totp" in resp.get_json()["message"]
    assert "access_token" not in resp.get_json()
    assert api_login(app, name, totp="000000").status_code == 401
    resp = api_login(app, name, totp=codes[1])
    assert resp.status_code == 200 and resp.get_json()["access_token"]
    assert api_login(app, name, totp=codes[1]).status_code == 401  # used
    outcomes = [e[0] for e in events(name) if e[1] == "api"]
    assert outcomes == ["totp_not_enrolled", "totp_missing", "totp_failed", "success", "totp_failed"]


def test_roles_without_the_setting_sign_in_with_the_password(app, office_totp):
    name = new_user(app, "Inspector")
    client = fresh_client(app)
    assert web_login(client, name).status_code == 302
    assert signed_in(client)
    assert api_login(app, name).status_code == 200


def test_admin_is_asked_by_default(app):
    import config

    assert config.VILLAGEAID_TOTP_ROLES == ["Admin"]
    app.config["VILLAGEAID_TOTP_ROLES"] = config.VILLAGEAID_TOTP_ROLES
    try:
        name = new_user(app, "Admin")
        client = fresh_client(app)
        assert web_login(client, name).headers["Location"].endswith("/security/second-factor/enrol/")
    finally:
        app.config["VILLAGEAID_TOTP_ROLES"] = []


def test_the_second_factor_can_be_reset_from_the_command_line(app, office_totp):
    name = new_user(app, "Office")
    client, _secret, _codes = enrol(app, name)
    result = app.test_cli_runner().invoke(args=["villageaid", "reset-second-factor", name])
    assert result.exit_code == 0, result.output
    assert not signed_in(client)  # its sessions ended
    with database() as s:
        assert s.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user_id(app, name))).all() == []
    again = fresh_client(app)
    assert web_login(again, name).headers["Location"].endswith("/security/second-factor/enrol/")
    result = app.test_cli_runner().invoke(args=["villageaid", "reset-second-factor", "nobody_at_all"])
    assert result.exit_code != 0 and "no user" in result.output


def test_no_code_is_tried_while_the_account_is_locked(app, office_totp):
    name = new_user(app, "Office")
    _client, _secret, codes = enrol(app, name)
    waiting = fresh_client(app)
    web_login(waiting, name)  # password right, code not yet given
    other = fresh_client(app)
    for _i in range(5):
        web_login(other, name, "wrong-Pass-1")
    resp = waiting.post("/security/second-factor/", data={
        "code": codes[0], "csrf_token": csrf(waiting, "/security/second-factor/")})
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]
    assert not signed_in(waiting)
    with database() as s:
        unused = s.scalars(select(RecoveryCode).where(
            RecoveryCode.user_id == user_id(app, name), RecoveryCode.used_on.is_(None))).all()
    assert len(unused) == 10
