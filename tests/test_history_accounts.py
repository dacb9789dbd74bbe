"""History of FAB's own accounts and roles (never a password, only that it
changed), the retention of the history and logs (`flask villageaid
prune-logs` removes only older rows and records its own run), and no route
that edits or deletes a history or log row, not even the administrator's."""
import json
from datetime import timedelta

import pytest

from villageaid.models import ChangeRecord, ExportReceipt, LoginEvent, PersonalDataView, utcnow

from .helpers import count, database, insert

PASSWORD_1, PASSWORD_2 = "Strong-pass-99", "Other-pass-77x"


def account_rows(model, pk):
    with database() as s:
        rows = (s.query(ChangeRecord).filter_by(model=model, record_id=pk).order_by(ChangeRecord.id).all())
        return [(r.action, r.path, r.user_id, {f: (b, a) for f, b, a in json.loads(r.changes)}) for r in rows]


def user_id(app, username):
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        return user.id if user else None


@pytest.fixture
def clean_history(app):
    with database() as s:
        s.query(ChangeRecord).delete()
        s.commit()
    yield
    with database() as s:
        s.query(ChangeRecord).delete()
        s.commit()


def test_users_and_roles_leave_history_without_passwords(app, browser, api, clean_history):
    admin = browser("admin")
    with app.app_context():
        clerk_role = app.appbuilder.sm.find_role("Clerk").id
        inspector_role = app.appbuilder.sm.find_role("Inspector").id
        admin_id = app.appbuilder.sm.find_user(username="admin").id
    form = {"first_name": "史", "last_name": "账号", "username": "history_user", "active": "y",
            "email": "history_user@villageaid.invalid", "roles": str(clerk_role)}
    assert admin.post("/users/add", {**form, "password": PASSWORD_1, "conf_password": PASSWORD_1}).status_code == 302
    uid = user_id(app, "history_user")
    assert admin.post("/users/edit/%d" % uid, {**form, "last_name": "改名", "roles": str(inspector_role)}).status_code == 302
    # (FAB's reset-password form compares the id as text, which PostgreSQL refuses: the API here)
    assert api("admin").put("/api/v1/security/users/%d" % uid, json={"password": PASSWORD_2}).status_code == 200
    assert api("admin").put("/api/v1/security/users/%d" % uid, json={"active": False}).status_code == 200
    with app.app_context():
        hashed = app.appbuilder.sm.find_user(username="history_user").password
    assert admin.post("/users/delete/%d" % uid, token_from="/users/list/").status_code == 302
    assert user_id(app, "history_user") is None
    rows = account_rows("User", uid)
    assert [(a, p, u) for a, p, u, _f in rows] == [
        ("create", "web", admin_id), ("update", "web", admin_id), ("update", "api", admin_id),
        ("update", "api", admin_id), ("delete", "web", admin_id)]
    created, edited, reset, deactivated, removed = (f for _a, _p, _u, f in rows)
    assert created["username"] == (None, "history_user") and created["roles"] == (None, "Clerk")
    assert created["password"] == (None, "*")
    assert edited == {"last_name": ("账号", "改名"), "roles": ("Clerk", "Inspector")}
    assert reset == {"password": (None, "*")}
    assert deactivated == {"active": (True, False)}
    assert removed["username"] == ("history_user", None)
    with database() as s:
        text = " ".join(r.changes for r in s.query(ChangeRecord))
    assert hashed not in text and PASSWORD_1 not in text and PASSWORD_2 not in text and "pbkdf2" not in text
    # the operation log shows it to the administrator, in words: the password only "changed"
    with database() as s:
        reset_id = s.query(ChangeRecord).filter_by(model="User", record_id=uid).order_by(ChangeRecord.id).all()[2].id
    page = admin.get("/changerecordview/show/%d" % reset_id).get_data(as_text=True)
    assert "已更改" in page and "密码" in page and "pbkdf2" not in page
    listing = admin.get("/changerecordview/list/").get_data(as_text=True)
    assert "history_user" in listing and "用户账号" in listing
    # a clerk has no operation log, and no API answers with it
    assert browser("clerk_town").get("/changerecordview/show/%d" % reset_id).status_code in (302, 403)
    assert api("clerk_town").get("/api/v1/changerecord/%d" % reset_id).status_code == 404


def test_role_permissions_leave_history(app, clean_history):
    sm = app.appbuilder.sm
    with app.app_context():
        role = sm.add_role("History role")
        pv = sm.find_permission_view_menu("can_list", "VillageView")
        pv_name = str(pv)
        sm.add_permission_role(role, pv)
        sm.del_permission_role(role, pv)
        role_id = role.id
        app.appbuilder.session.delete(role)
        app.appbuilder.session.commit()
    rows = account_rows("Role", role_id)
    assert [(a, p) for a, p, _u, _f in rows] == [("create", "cli"), ("update", "cli"), ("update", "cli"), ("delete", "cli")]
    assert rows[0][3] == {"name": (None, "History role")}
    assert rows[1][3]["permissions"][1] == pv_name and rows[2][3]["permissions"] == (pv_name, None)


def old(log, days, **values):
    return insert(log(**values, **{"changed_on" if log is ChangeRecord else "created_on": utcnow() - timedelta(days=days)}))


def test_prune_removes_only_rows_older_than_the_retention_and_says_so(app, clean_history):
    made = []
    for days in (400, 184, 182, 1):
        made.append((days, old(ChangeRecord, days, path="web", action="update", model="Village", record_id=1,
                               record_label="旧%d" % days, changes="[]")))
        old(LoginEvent, days, username="prune-%d" % days, channel="web", outcome="success", success=True)
        old(ExportReceipt, days, list_name="prune", endpoint="x", row_count=0, encoding="utf-8", sha256="0" * 64)
        old(PersonalDataView, days, username="prune-%d" % days, record_type="Cadre", record_id=1, fields="phone",
            channel="page", path="/x")
    result = app.test_cli_runner().invoke(args=["villageaid", "prune-logs"])
    assert result.exit_code == 0, result.output
    assert "ChangeRecord 2" in result.output and "LoginEvent 2" in result.output
    with database() as s:
        labels = {r.record_label for r in s.query(ChangeRecord).filter(ChangeRecord.action != "prune")}
        run, = s.query(ChangeRecord).filter_by(action="prune").all()
        assert labels == {"旧182", "旧1"}
        assert (run.path, run.user_id) == ("cli", None)
        removed = {name: n for name, n, _a in json.loads(run.changes)}
    assert removed == {"ChangeRecord": 2, "LoginEvent": 2, "ExportReceipt": 2, "PersonalDataView": 2}
    assert count(LoginEvent, LoginEvent.username.like("prune-%")) == 2
    assert count(PersonalDataView, PersonalDataView.username.like("prune-%")) == 2
    assert count(ExportReceipt, ExportReceipt.list_name == "prune") == 2
    # a retention below one day is refused, nothing removed
    app.config["VILLAGEAID_HISTORY_RETENTION_DAYS"] = 0
    try:
        result = app.test_cli_runner().invoke(args=["villageaid", "prune-logs"])
    finally:
        app.config["VILLAGEAID_HISTORY_RETENTION_DAYS"] = 183
    assert result.exit_code != 0 and count(LoginEvent, LoginEvent.username.like("prune-%")) == 2
    with database() as s:
        s.query(LoginEvent).filter(LoginEvent.username.like("prune-%")).delete(synchronize_session=False)
        s.query(PersonalDataView).filter(PersonalDataView.username.like("prune-%")).delete(synchronize_session=False)
        s.query(ExportReceipt).filter_by(list_name="prune").delete()
        s.commit()


LOGS = {"/changerecordview": ChangeRecord, "/logineventview": LoginEvent, "/exportreceiptview": ExportReceipt,
        "/personaldataviewlogview": PersonalDataView}


@pytest.mark.parametrize("prefix", sorted(LOGS))
def test_no_route_edits_or_deletes_a_log_row(browser, prefix, clean_history):
    model = LOGS[prefix]
    values = {"ChangeRecord": dict(path="web", action="update", model="Village", record_id=1, record_label="留痕",
                                   changes="[]"),
              "LoginEvent": dict(username="留痕", channel="web", outcome="success", success=True),
              "ExportReceipt": dict(list_name="留痕", endpoint="x", row_count=0, encoding="utf-8", sha256="0" * 64),
              "PersonalDataView": dict(username="留痕", record_type="Cadre", record_id=1, fields="phone",
                                       channel="page", path="/x")}[model.__name__]
    pk = insert(model(**values))
    admin = browser("admin")
    assert admin.get(prefix + "/show/%d" % pk).status_code == 200
    assert admin.get(prefix + "/edit/%d" % pk).status_code in (403, 404, 405)
    assert admin.post(prefix + "/edit/%d" % pk, {"username": "改"}, token_from=prefix + "/list/").status_code in (403, 404, 405)
    assert admin.post(prefix + "/delete/%d" % pk, token_from=prefix + "/list/").status_code in (403, 404, 405)
    assert admin.get(prefix + "/delete/%d" % pk).status_code in (403, 404, 405)
    assert admin.post(prefix + "/action_post", {"action": "muldelete", "rowid": [str(pk)]},
                      token_from=prefix + "/list/").status_code in (403, 404)
    assert admin.post(prefix + "/action/muldelete/%d" % pk, token_from=prefix + "/list/").status_code in (403, 404)
    assert admin.post(prefix + "/add", values, token_from=prefix + "/list/").status_code in (403, 404, 405)
    with database() as s:
        row = s.get(model, pk)
        assert row is not None and all(getattr(row, k) == v for k, v in values.items())
        s.query(model).filter_by(id=pk).delete()
        s.commit()
