"""Training figures nobody can inflate: only a completion in a session that
has ended, and did not end before the cadre started in post, makes a cadre
trained; township cadres (乡镇干部); optional hours; the roll call; enrol-all
over capacity. Against a fixture computed by hand, as the office and two
clerks (clerk_town: 甲镇; clerk_unit: 一局).

Fixture (on top of conftest's: 张一 village cadre of 甲村, 李二 resident in
乙村, 王三 resident of 一局 in 乙村, 赵四 resident in 甲村, 钱五 village cadre of
丙村 — all started 2020-06-01):
  郑九: township cadre of 甲镇, 冯十: township cadre of 乙乡 (started 2021-02-01)
  P0 (ended 2020-03-02, before everyone started): 张一 completed → no
  P1 (2021-04-01..03, 16 hours): 郑九 completed → trained on 2021-04-03; 冯十 absent
  N  (2021-05-01, hours unknown): 赵四 completed → trained on 2021-05-01
  F  (10 days from today, capacity 3): 王三 "completed" (written around the
     rules, as old data would be) → no; 钱五 enrolled
Counted (active, new): 7. Trained: 郑九, 赵四 — where the former rule ("any
completed attendance") counted 4 (张一, 王三 too).
"""
import re
from datetime import date, timedelta

import pytest

from villageaid.models import Cadre, Town, TrainingAttendance, TrainingSession, Village
from villageaid.training import recompute_trained_on

from .helpers import count, database, fetch, ids

TODAY = date.today()
SESSIONS = {
    # title: (start, end, hours, capacity)
    "P0": (date(2020, 3, 1), date(2020, 3, 2), 8, None),
    "P1": (date(2021, 4, 1), date(2021, 4, 3), 16, None),
    "N": (date(2021, 5, 1), date(2021, 5, 1), None, None),
    "F": (TODAY + timedelta(days=10), TODAY + timedelta(days=12), 20, 3),
}
ATTENDANCE = [
    ("P0", "张一", "attended", True),
    ("P1", "郑九", "attended", True),
    ("P1", "冯十", "absent", False),
    ("N", "赵四", "attended", True),
    ("F", "王三", "attended", True),
    ("F", "钱五", "enrolled", False),
]
TOWNSHIP = {"郑九": ("甲镇", "530428198606060015"), "冯十": ("乙乡", "53042819870707001X")}

EXPECTED = {
    "office": {
        "town": {"甲镇": (3, 2), "乙乡": (4, 0)},
        "kind": {"resident": (3, 1, None), "village": (2, 0, None), "township": (2, 1, 16.0)},
        "total": (7, 2),
        "untrained": {"张一", "李二", "王三", "钱五", "冯十"},
    },
    "clerk_town": {
        "town": {"甲镇": (3, 2)},
        "kind": {"resident": (1, 1, None), "village": (1, 0, None), "township": (1, 1, 16.0)},
        "total": (3, 2),
        "untrained": {"张一"},
    },
    "clerk_unit": {
        "town": {"甲镇": (2, 1), "乙乡": (2, 0)},
        "kind": {"resident": (2, 1, None), "village": (2, 0, None)},
        "total": (4, 1),
        "untrained": {"张一", "王三", "钱五"},
    },
}
NAMES = ["张一", "李二", "王三", "赵四", "钱五", "郑九", "冯十"]


@pytest.fixture(scope="module", autouse=True)
def world(app, snapshot):
    with database() as s:
        town = {t.name: t for t in s.query(Town)}
        for name, (town_name, number) in TOWNSHIP.items():
            s.add(Cadre(name=name, gender="male", id_number=number, kind="township", post="town_head",
                        town=town[town_name], start_date=date(2021, 2, 1), status="active"))
        made = {}
        for title, (start, end, hours, capacity) in SESSIONS.items():
            made[title] = TrainingSession(title=title, start_date=start, end_date=end, hours=hours,
                                          audience="all", capacity=capacity)
            s.add(made[title])
        s.flush()
        cadre = {c.name: c for c in s.query(Cadre)}
        for title, name, status, completed in ATTENDANCE:
            s.add(TrainingAttendance(training_session=made[title], cadre=cadre[name], status=status,
                                     completed=completed))
        s.flush()
        recompute_trained_on(s)  # rows written outside the write path
        s.commit()
        session_ids = {k: v.id for k, v in made.items()}
    snapshot.push()
    yield session_ids
    snapshot.pop()


def attendance_id(title_id, name):
    with database() as s:
        return s.query(TrainingAttendance.id).filter_by(training_session_id=title_id, cadre_id=ids(Cadre, name)[0]).scalar()


def coverage(api, user, by):
    data = api(user).get("/api/v1/training/coverage?by=" + by).get_json()
    return data


def trained_total(api, user="office"):
    data = coverage(api, user, "kind")
    return data["total"]["new"], data["total"]["trained"]


# --- who counts as trained ----------------------------------------------------------


@pytest.mark.parametrize("user", list(EXPECTED))
def test_coverage_counts_only_ended_sessions_after_the_start(api, user):
    expected = EXPECTED[user]
    town = coverage(api, user, "town")
    assert {r["name"]: (r["new"], r["trained"]) for r in town["rows"]} == expected["town"]
    kind = coverage(api, user, "kind")
    assert {r["key"]: (r["new"], r["trained"], r["hours"]) for r in kind["rows"]} == expected["kind"]
    assert (kind["total"]["new"], kind["total"]["trained"]) == expected["total"]


@pytest.mark.parametrize("user", list(EXPECTED))
def test_untrained_list_and_its_export(browser, user):
    b = browser(user)
    html = b.get("/untrainedcadreview/list/?psize_UntrainedCadreView=100").get_data(as_text=True)
    assert {n for n in NAMES if ">%s<" % n in html} == EXPECTED[user]["untrained"]
    export = b.get("/untrainedcadreview/export/").get_data().decode("utf-8-sig").splitlines()
    assert {line.split(",")[0] for line in export[1:]} == EXPECTED[user]["untrained"]


def test_trained_on_is_the_end_of_the_first_session_that_counts():
    with database() as s:
        got = dict(s.query(Cadre.name, Cadre.trained_on).filter(Cadre.name.in_(NAMES)))
    # 王三's completion in F is stored (F ends in the future) but does not
    # count before that day: coverage reads trained_on <= the reference date
    assert got == {"张一": None, "李二": None, "王三": SESSIONS["F"][1], "赵四": date(2021, 5, 1),
                   "钱五": None, "郑九": date(2021, 4, 3), "冯十": None}


def test_the_new_cadres_list_shows_trained_and_hours(browser):
    html = browser("clerk_town").get("/newcadretrainingview/list/").get_data(as_text=True)
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*郑九(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert "2021-04-03" in row and ">16" in row and "甲镇" in row


def test_cadre_page_shows_hours_and_trained_on(browser):
    c9, c4 = ids(Cadre, "郑九", "赵四")
    html = browser("clerk_town").get("/cadreview/show/%d" % c9).get_data(as_text=True)
    assert "2021-04-03" in html and "16" in html and "乡镇干部" in html
    html = browser("clerk_town").get("/cadreview/show/%d" % c4).get_data(as_text=True)
    assert "2021-05-01" in html


# --- the figure follows every change through the write path -----------------------


def test_moving_a_session_into_the_past_and_back(browser, world):
    b = browser("office")
    assert trained_total_web(b) == 2
    edit = "/trainingsessionview/edit/%d" % world["F"]
    form = {"title": "F", "start_date": "2021-06-01", "end_date": "2021-06-02", "hours": "20", "audience": "all",
            "capacity": "3", "row_version": b.row_version(edit)}
    assert b.post(edit, form).status_code == 302
    assert trained_total_web(b) == 3  # 王三's completion now counts
    assert fetch(Cadre, ids(Cadre, "王三")[0]).trained_on == date(2021, 6, 2)
    form.update(start_date=SESSIONS["F"][0].isoformat(), end_date=SESSIONS["F"][1].isoformat(),
                row_version=b.row_version(edit))
    assert b.post(edit, form).status_code == 302
    assert trained_total_web(b) == 2


def trained_total_web(b):
    csv_text = b.get("/villageaid/training/coverage/export/?by=kind").get_data().decode("utf-8-sig")
    total = csv_text.strip().splitlines()[-1].split(",")
    return int(total[2])


def test_a_start_date_change_and_a_delete_and_restore(api, browser, world):
    c = api("office")
    c1, = ids(Cadre, "张一")
    version = c.get("/api/v1/cadre/%d" % c1).get_json()["result"]["row_version"]
    # 张一 started before P0 ended: P0 now counts
    resp = c.put("/api/v1/cadre/%d" % c1, json={"start_date": "2020-02-01", "row_version": version})
    assert resp.status_code == 200, resp.get_json()
    assert fetch(Cadre, c1).trained_on == date(2020, 3, 2)
    assert trained_total(api) == (7, 3)
    # deleting 郑九's completion makes him untrained; restoring it brings it back
    a = attendance_id(world["P1"], "郑九")
    assert c.delete("/api/v1/training_attendance/%d" % a).status_code == 200
    assert fetch(Cadre, ids(Cadre, "郑九")[0]).trained_on is None
    b = browser("office")
    resp = b.post("/villageaid/bin/attendance/%d/restore" % a, {}, token_from="/villageaid/bin/attendance/")
    assert resp.status_code == 302
    assert fetch(Cadre, ids(Cadre, "郑九")[0]).trained_on == date(2021, 4, 3)


# --- refusals of a completion before the session ends ------------------------------


def test_completing_a_session_that_has_not_ended_is_refused_everywhere(browser, api, world):
    a = attendance_id(world["F"], "钱五")
    before = fetch(TrainingAttendance, a)
    b = browser("clerk_unit")
    # web form
    edit = "/attendanceview/edit/%d" % a
    form = {"training_session": str(world["F"]), "cadre": str(ids(Cadre, "钱五")[0]), "status": "attended",
            "completed": "y", "row_version": b.row_version(edit)}
    html = b.post(edit, form).get_data(as_text=True)
    assert "班次尚未结束" in html
    # bulk action
    resp = b.post("/attendanceview/action_post", {"action": "mark_completed", "rowid": [str(a)]},
                  token_from="/attendanceview/list/", follow_redirects=True)
    assert "班次尚未结束" in resp.get_data(as_text=True)
    # API
    c = api("clerk_unit")
    resp = c.put("/api/v1/training_attendance/%d" % a,
                 json={"status": "attended", "completed": True, "row_version": before.row_version})
    assert resp.status_code == 422 and "completed" in resp.get_json()["message"]
    after = fetch(TrainingAttendance, a)
    assert (after.status, after.completed, after.row_version) == ("enrolled", False, before.row_version)
    assert trained_total(api) == (7, 2)


def test_the_rule_is_in_the_one_write_path(app, world):
    """An import goes through writes.save_all: the same refusal."""
    from villageaid import scope, writes

    with app.test_request_context():
        s = app.appbuilder.session
        viewer = scope.Viewer(user_id=1, sees_all=True)
        f = s.get(TrainingSession, world["F"])
        cadre = s.query(Cadre).filter_by(name="李二").one()
        with pytest.raises(writes.Refused) as refused:
            writes.save_all([(TrainingAttendance(training_session=f, cadre=cadre, status="attended",
                                                 completed=True), None, None)], viewer, path="import")
        assert "completed" in refused.value.errors
        s.rollback()
    assert count(TrainingAttendance, TrainingAttendance.training_session_id == world["F"]) == 2


def test_enrolling_into_a_session_that_ended_before_the_start_warns(browser, api, world):
    c2, c5 = ids(Cadre, "李二", "钱五")
    resp = browser("office").post("/attendanceview/add", {
        "training_session": str(world["P0"]), "cadre": str(c2), "status": "enrolled"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "该班次在以下人员到岗前已结束，不计入其轮训：李二" in html
    assert count(TrainingAttendance, TrainingAttendance.cadre_id == c2) == 1
    resp = api("office").post("/api/v1/training_attendance/", json={
        "training_session": world["P0"], "cadre": c5, "status": "attended", "completed": True})
    assert resp.status_code == 201
    assert "钱五" in resp.get_json()["warnings"][0]
    assert fetch(Cadre, c5).trained_on is None  # saved, and it does not count
    assert trained_total(api) == (7, 2)


# --- township cadres ------------------------------------------------------------------


def test_township_cadres_are_scoped_through_their_town(browser, api):
    html = browser("clerk_town").get("/cadreview/list/?psize_CadreView=100").get_data(as_text=True)
    assert "郑九" in html and "冯十" not in html
    html = browser("clerk_unit").get("/cadreview/list/?psize_CadreView=100").get_data(as_text=True)
    assert "郑九" not in html and "冯十" not in html
    c10, = ids(Cadre, "冯十")
    assert browser("clerk_town").get("/cadreview/show/%d" % c10).status_code == 404
    assert api("clerk_town").get("/api/v1/cadre/%d" % c10).status_code == 404


def test_a_clerk_records_township_cadres_only_in_its_own_towns(api):
    c = api("clerk_town")
    t1, t2 = ids(Town, "甲镇", "乙乡")
    v1, = ids(Village, "甲村")
    new = {"name": "新乡干", "gender": "female", "id_number": "530428199001010028", "kind": "township",
           "post": "organisation_member", "start_date": "2021-03-01", "status": "active"}
    before = count(Cadre)
    assert c.post("/api/v1/cadre/", json=dict(new, town=t2)).status_code == 422  # a foreign town
    resp = c.post("/api/v1/cadre/", json=dict(new, town=t1, village=v1))
    assert resp.status_code == 422 and "village" in resp.get_json()["message"]
    resp = c.post("/api/v1/cadre/", json=dict(new))
    assert resp.status_code == 422 and "town" in resp.get_json()["message"]
    resp = c.post("/api/v1/cadre/", json=dict(new, post="secretary", town=t1))
    assert resp.status_code == 422 and "post" in resp.get_json()["message"]
    assert count(Cadre) == before
    resp = c.post("/api/v1/cadre/", json=dict(new, town=t1))
    assert resp.status_code == 201, resp.get_json()
    # a village cadre has no town of its own
    resp = c.post("/api/v1/cadre/", json=dict(new, id_number="530428199002020025", kind="village",
                                               post="director", village=v1, town=t1))
    assert resp.status_code == 422 and "town" in resp.get_json()["message"]


def test_the_cadre_form_offers_and_takes_only_own_towns(browser):
    b = browser("clerk_town")
    t1, t2 = ids(Town, "甲镇", "乙乡")
    form = {"name": "表单乡干", "gender": "female", "id_number": "530428199001010028", "kind": "township",
            "post": "town_head", "town": str(t2), "start_date": "2021-03-01", "status": "active"}
    before = count(Cadre)
    html = b.post("/cadreview/add", form).get_data(as_text=True)
    assert "选择无效" in html and count(Cadre) == before
    offered = b.get("/villageaid/lookup/mytown?q=").get_json()["results"]
    assert [r["text"] for r in offered] == ["甲镇"]
    form["town"] = str(t1)
    assert b.post("/cadreview/add", form).status_code == 302
    assert count(Cadre) == before + 1


def test_a_session_without_hours(browser):
    b = browser("office")
    before = count(TrainingSession)
    form = {"title": "无学时班次", "start_date": "2021-05-03", "end_date": "2021-05-04", "hours": "", "audience": "township"}
    assert b.post("/trainingsessionview/add", form).status_code == 302
    assert count(TrainingSession) == before + 1
    html = b.get("/trainingsessionview/list/").get_data(as_text=True)
    assert "无学时班次" in html


# --- roll call -------------------------------------------------------------------------


def roll_call_form(b, session_id):
    """The roll call form as the page renders it: {row id: (status, completed, version)}."""
    html = b.get("/villageaid/training/rollcall/%d" % session_id).get_data(as_text=True)
    rows = re.findall(r'name="row" value="(\d+)"', html)
    versions = dict(re.findall(r'name="version-(\d+)" value="(\d+)"', html))
    return html, rows, versions


def roll_call_data(rows, versions, marks):
    data = {"row": rows}
    for row in rows:
        status, completed = marks[row]
        data["status-%s" % row] = status
        data["version-%s" % row] = versions[row]
        if completed:
            data["completed-%s" % row] = "y"
    return data


def test_roll_call_lists_only_the_users_rows(browser, world):
    html, rows, _v = roll_call_form(browser("clerk_town"), world["P1"])
    assert "郑九" in html and "冯十" not in html
    assert rows == [str(attendance_id(world["P1"], "郑九"))]
    html, rows, _v = roll_call_form(browser("office"), world["P1"])
    assert "郑九" in html and "冯十" in html and len(rows) == 2
    assert browser("clerk_town").get("/villageaid/training/rollcall/999999999").status_code == 404
    assert browser("inspector").get("/villageaid/training/rollcall/%d" % world["P1"]).status_code == 403


def test_roll_call_saves_every_row_in_one_step(browser, world):
    b = browser("office")
    _html, rows, versions = roll_call_form(b, world["P1"])
    a9, a10 = str(attendance_id(world["P1"], "郑九")), str(attendance_id(world["P1"], "冯十"))
    data = roll_call_data(rows, versions, {a9: ("attended", True), a10: ("excused", False)})
    resp = b.post("/villageaid/training/rollcall/%d" % world["P1"], data)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/trainingsessionview/show/%d" % world["P1"])
    assert fetch(TrainingAttendance, int(a10)).status == "excused"
    assert fetch(TrainingAttendance, int(a9)).row_version == int(versions[a9])  # unchanged: no new version
    # the same form again: 冯十's row is stale now, nothing is saved
    data = roll_call_data(rows, versions, {a9: ("absent", False), a10: ("attended", True)})
    resp = b.post("/villageaid/training/rollcall/%d" % world["P1"], data, follow_redirects=True)
    assert "此记录已被他人修改" in resp.get_data(as_text=True)
    assert fetch(TrainingAttendance, int(a9)).status == "attended"
    assert fetch(TrainingAttendance, int(a10)).status == "excused"


def test_roll_call_with_a_foreign_row_changes_nothing(browser, world):
    b = browser("clerk_town")
    _html, rows, versions = roll_call_form(b, world["P1"])
    a9, a10 = str(attendance_id(world["P1"], "郑九")), str(attendance_id(world["P1"], "冯十"))
    data = roll_call_data(rows, versions, {a9: ("absent", False)})
    data["row"] = [a9, a10]
    data.update({"status-" + a10: "attended", "completed-" + a10: "y", "version-" + a10: "1"})
    assert b.post("/villageaid/training/rollcall/%d" % world["P1"], data).status_code == 404
    assert fetch(TrainingAttendance, int(a9)).status == "attended"
    assert fetch(TrainingAttendance, int(a10)).status == "absent"
    # a row of the user's own, but of another session
    a4 = str(attendance_id(world["N"], "赵四"))
    data = roll_call_data(rows, versions, {a9: ("absent", False)})
    data["row"] = [a9, a4]
    data.update({"status-" + a4: "absent", "version-" + a4: "1"})
    resp = b.post("/villageaid/training/rollcall/%d" % world["P1"], data, follow_redirects=True)
    assert "不属于本班次" in resp.get_data(as_text=True)
    assert fetch(TrainingAttendance, int(a9)).status == "attended"
    assert fetch(TrainingAttendance, int(a4)).completed is True


def test_roll_call_refuses_completion_before_the_end_and_a_forged_status(browser, world):
    b = browser("clerk_unit")
    _html, rows, versions = roll_call_form(b, world["F"])
    a3, a5 = str(attendance_id(world["F"], "王三")), str(attendance_id(world["F"], "钱五"))
    assert sorted(rows) == sorted([a3, a5])
    data = roll_call_data(rows, versions, {a3: ("absent", False), a5: ("attended", True)})
    resp = b.post("/villageaid/training/rollcall/%d" % world["F"], data, follow_redirects=True)
    assert "班次尚未结束" in resp.get_data(as_text=True)
    data = roll_call_data(rows, versions, {a3: ("absent", False), a5: ("graduated", False)})
    resp = b.post("/villageaid/training/rollcall/%d" % world["F"], data, follow_redirects=True)
    assert "选择无效" in resp.get_data(as_text=True)
    assert fetch(TrainingAttendance, int(a3)).status == "attended"
    assert fetch(TrainingAttendance, int(a5)).status == "enrolled"
    data = roll_call_data(rows, versions, {a3: ("absent", False), a5: ("excused", False)})
    assert b.post("/villageaid/training/rollcall/%d" % world["F"], data).status_code == 302
    assert fetch(TrainingAttendance, int(a3)).status == "absent"
    assert fetch(TrainingAttendance, int(a5)).status == "excused"


# --- enrol all over capacity ---------------------------------------------------------


def test_enrol_all_over_capacity_is_refused_and_offers_a_choice(browser, world):
    b = browser("office")
    before = count(TrainingAttendance)
    resp = b.post("/villageaid/training/enrol_untrained/%d" % world["F"], {}, token_from="/untrainedcadreview/list/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    # room for 1 (capacity 3, 2 enrolled); office's untrained not yet in F: 张一, 李二, 冯十
    assert "班次仅余 1 个名额，而待报名 3 人" in html
    offered = set(re.findall(r'name="cadre" value="(\d+)"', html))
    assert offered == {str(i) for i in ids(Cadre, "张一", "李二", "冯十")}
    assert count(TrainingAttendance) == before
    # the person chooses
    c1, = ids(Cadre, "张一")
    resp = b.post("/villageaid/training/enrol", {"training_session": str(world["F"]), "cadre": [str(c1)]},
                  token_from="/untrainedcadreview/list/")
    assert resp.status_code == 302
    assert count(TrainingAttendance) == before + 1
    # and two more than the room is refused as well
    c2, c10 = ids(Cadre, "李二", "冯十")
    resp = b.post("/villageaid/training/enrol", {"training_session": str(world["F"]), "cadre": [str(c2), str(c10)]},
                  token_from="/untrainedcadreview/list/")
    assert "班次仅余 0 个名额" in resp.get_data(as_text=True)
    assert count(TrainingAttendance) == before + 1


def test_a_clerk_enrol_all_within_capacity(browser, world):
    """clerk_town's untrained cadre (张一) fits the one place left."""
    b = browser("clerk_town")
    resp = b.post("/villageaid/training/enrol_untrained/%d" % world["F"], {}, token_from="/untrainedcadreview/list/",
                  follow_redirects=True)
    assert "完成 1 人" in resp.get_data(as_text=True)
    assert count(TrainingAttendance, TrainingAttendance.training_session_id == world["F"]) == 3
