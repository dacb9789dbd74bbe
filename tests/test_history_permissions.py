"""History of FAB's permissions: the permissions, views and menus and their
pairs FAB makes when it registers the views (at start-up with
FAB_UPDATE_PERMS, `flask villageaid init`) leave history rows by the
system, the Admin role's new pairs too; registering again when nothing
changed leaves none; an administrator's change of a role's permissions on
the web is theirs."""
import json

import pytest

from villageaid.models import ChangeRecord

from .helpers import database

PROBE_VIEW, PROBE_MENU = "HistoryProbeView", "History probe menu"
PROBE_PERMISSIONS = ["can_probe_read", "can_probe_write"]


def rows_since(first_id):
    with database() as s:
        rows = s.query(ChangeRecord).filter(ChangeRecord.id > first_id).order_by(ChangeRecord.id).all()
        return [(r.model, r.action, r.path, r.user_id, r.record_label,
                 {f: (b, a) for f, b, a in json.loads(r.changes)}) for r in rows]


def last_id():
    with database() as s:
        return max([r.id for r in s.query(ChangeRecord.id)] or [0])


@pytest.fixture
def probe(app):
    yield
    sm = app.appbuilder.sm
    with app.app_context():
        admin = sm.find_role(app.config["AUTH_ROLE_ADMIN"])
        for name, view in [(p, PROBE_VIEW) for p in PROBE_PERMISSIONS] + [("menu_access", PROBE_MENU)]:
            pv = sm.find_permission_view_menu(name, view)
            if pv is not None:
                sm.del_permission_role(admin, pv)
                sm.del_permission_view_menu(name, view)
        for view in (PROBE_VIEW, PROBE_MENU):
            sm.del_view_menu(view)


def test_registering_permissions_leaves_system_history(app, probe):
    sm = app.appbuilder.sm
    first = last_id()
    with app.app_context():
        # what FAB does for a view and for a menu entry when it registers them
        sm.add_permissions_view(PROBE_PERMISSIONS, PROBE_VIEW)
        sm.add_permissions_menu(PROBE_MENU)
    rows = rows_since(first)
    assert rows and {path for _m, _a, path, _u, _l, _f in rows} == {"system"}
    assert {user for _m, _a, _p, user, _l, _f in rows} == {None}
    made = {(model, label) for model, action, _p, _u, label, _f in rows if action == "create"}
    assert {("ViewMenu", PROBE_VIEW), ("ViewMenu", PROBE_MENU), ("Permission", "can_probe_read"),
            ("Permission", "can_probe_write")} <= made
    created = [fields for model, action, _p, _u, _l, fields in rows if model == "PermissionView"]
    assert sorted((f["permission"][1], f["view_menu"][1]) for f in created) == [
        ("can_probe_read", PROBE_VIEW), ("can_probe_write", PROBE_VIEW), ("menu_access", PROBE_MENU)]
    # the Admin role gets every new pair: its updates are the system's too
    admin_updates = [fields for model, action, _p, _u, label, fields in rows
                     if model == "Role" and action == "update" and label == app.config["AUTH_ROLE_ADMIN"]]
    assert len(admin_updates) == 3
    # only what changed: not the Admin's whole list of permissions, twice
    assert admin_updates[-1]["permissions"] == (None, "menu access on %s" % PROBE_MENU)
    assert sorted(f["permissions"][1] for f in admin_updates[:2]) == [
        "can probe read on %s" % PROBE_VIEW, "can probe write on %s" % PROBE_VIEW]


def test_nothing_changed_nothing_written(app, probe):
    sm = app.appbuilder.sm
    with app.app_context():
        sm.add_permissions_view(PROBE_PERMISSIONS, PROBE_VIEW)
        sm.add_permissions_menu(PROBE_MENU)
    first = last_id()
    with app.app_context():
        sm.add_permissions_view(PROBE_PERMISSIONS, PROBE_VIEW)
        sm.add_permissions_menu(PROBE_MENU)
        # every registered view and menu, as a start-up with FAB_UPDATE_PERMS does
        app.appbuilder.add_permissions(update_perms=True)
    assert rows_since(first) == []


def test_the_operation_log_shows_the_system_path(app, browser, probe):
    first = last_id()
    with app.app_context():
        app.appbuilder.sm.add_permissions_view(PROBE_PERMISSIONS[:1], PROBE_VIEW)
    with database() as s:
        pair = (s.query(ChangeRecord).filter(ChangeRecord.id > first, ChangeRecord.model == "PermissionView")
                .one().id)
    page = browser("admin").get("/changerecordview/show/%d" % pair).get_data(as_text=True)
    assert "系统（启动）" in page and "视图权限" in page and PROBE_VIEW in page and "can_probe_read" in page


def test_a_role_edited_on_the_web_is_the_administrators(app, browser):
    sm = app.appbuilder.sm
    with app.app_context():
        role = sm.add_role("History web role")
        role_id = role.id
        pv = sm.find_permission_view_menu("can_list", "VillageView")
        pv_id, pv_name = pv.id, str(pv)
        other = sm.find_permission_view_menu("can_show", "VillageView")
        other_id, other_name = other.id, str(other)
        admin_id = sm.find_user(username="admin").id
    first = last_id()
    try:
        resp = browser("admin").post("/roles/edit/%d" % role_id, {"name": "History web role", "permissions": [str(pv_id)]},
                                     token_from="/roles/list/")
        assert resp.status_code == 302
        rows = rows_since(first)
        assert [(m, a, p, u) for m, a, p, u, _l, _f in rows] == [("Role", "update", "web", admin_id)]
        assert rows[0][5]["permissions"] == (None, pv_name)
        # the next edit swaps one permission for another: the row names only those two,
        # and the operation log labels them as removed and added
        office = browser("admin")
        office.post("/roles/edit/%d" % role_id, {"name": "History web role", "permissions": [str(other_id)]},
                    token_from="/roles/list/")
        rows = rows_since(first)
        assert rows[-1][5]["permissions"] == (pv_name, other_name)
        with database() as s:
            log_id = s.query(ChangeRecord.id).filter(ChangeRecord.model == "Role").order_by(ChangeRecord.id.desc()).first()[0]
        page = office.client.get("/changerecordview/show/%d" % log_id).get_data(as_text=True)
        assert "权限（移除／新增）" in page and pv_name in page and other_name in page
    finally:
        with app.app_context():
            role = sm.find_role("History web role")
            app.appbuilder.session.delete(role)
            app.appbuilder.session.commit()
