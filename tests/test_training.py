"""Training rotations: coverage and the untrained list against a fixture
computed by hand, bulk steps, and the scope refusals."""
from datetime import date

import pytest

from villageaid.models import Cadre, TrainingAttendance, TrainingSession, Unit, Village

from villageaid.training import recompute_trained_on

from .helpers import count, database, fetch, ids

EXTRA = {
    # name: (kind, post, unit, village, start, status)
    "孙六": ("village", "committee_member", None, "甲村", date(2019, 5, 1), "active"),   # old
    "周七": ("resident", "team_member", "一局", "丙村", date(2021, 1, 1), "left"),        # left
    "吴八": ("village", "committee_member", None, "乙村", date(2021, 3, 1), "active"),
}
EXTRA_IDS = {"孙六": "530428199606060018", "周七": "530428199707070011", "吴八": "530428199808080014"}
SESSIONS = {
    "S1": ("both", None),
    "S2": ("resident", 2),
    "S3": ("village", None),
}
ATTENDANCE = [
    ("S1", "张一", "attended", True),
    ("S1", "李二", "absent", False),
    ("S2", "王三", "attended", True),
    ("S1", "赵四", "excused", False),
    ("S3", "吴八", "attended", False),
    ("S1", "孙六", "attended", True),
    ("S2", "周七", "attended", True),
]

# Expected, computed by hand (see the module docstring of conftest for the
# base fixture): counted = active new cadres; trained = any completed record.
EXPECTED = {
    "office": {
        "town": {"甲镇": (2, 1), "乙乡": (4, 1)},
        "unit": {"一局": (1, 1), "二局": (2, 0), None: (3, 1)},
        "kind": {"resident": (3, 1), "village": (3, 1)},
        "total": (6, 2),
        "untrained": {"李二", "赵四", "钱五", "吴八"},
    },
    "clerk_town": {
        "town": {"甲镇": (2, 1)},
        "unit": {"二局": (1, 0), None: (1, 1)},
        "kind": {"resident": (1, 0), "village": (1, 1)},
        "total": (2, 1),
        "untrained": {"赵四"},
    },
    "clerk_unit": {
        "town": {"甲镇": (2, 1), "乙乡": (2, 1)},
        "unit": {"一局": (1, 1), "二局": (1, 0), None: (2, 1)},
        "kind": {"resident": (2, 1), "village": (2, 1)},
        "total": (4, 2),
        "untrained": {"赵四", "钱五"},
    },
    "clerk_none": {"town": {}, "unit": {}, "kind": {}, "total": (0, 0), "untrained": set()},
}
ALL_NAMES = ["张一", "李二", "王三", "赵四", "钱五", "孙六", "周七", "吴八"]


@pytest.fixture(scope="module", autouse=True)
def training_fixture(app, snapshot):
    made = {"cadres": [], "sessions": {}}
    with database() as s:
        unit = {u.name: u for u in s.query(Unit)}
        village = {v.name: v for v in s.query(Village)}
        for name, (kind, post, unit_name, village_name, start, status) in EXTRA.items():
            c = Cadre(name=name, gender="male", id_number=EXTRA_IDS[name], kind=kind, post=post,
                      unit=unit.get(unit_name), village=village[village_name], start_date=start, status=status)
            s.add(c)
            made["cadres"].append(c)
        for title, (audience, capacity) in SESSIONS.items():
            t = TrainingSession(title=title, batch="2021-" + title, start_date=date(2021, 4, 1), end_date=date(2021, 4, 3),
                                hours=16, audience=audience, capacity=capacity)
            s.add(t)
            made["sessions"][title] = t
        s.flush()
        cadre = {c.name: c for c in s.query(Cadre)}
        for title, name, status, completed in ATTENDANCE:
            s.add(TrainingAttendance(training_session=made["sessions"][title], cadre=cadre[name], status=status, completed=completed))
        s.flush()
        recompute_trained_on(s)  # rows added outside the write path
        s.commit()
        session_ids = {k: v.id for k, v in made["sessions"].items()}
    snapshot.push()
    yield session_ids
    snapshot.pop()


def as_table(rows, by):
    return {(r["key"] if by == "kind" else (r["name"] if r["key"] is not None else None)): (r["new"], r["trained"]) for r in rows}


@pytest.mark.parametrize("user", list(EXPECTED))
def test_coverage_matches_the_hand_computed_fixture(api, user):
    c = api(user)
    expected = EXPECTED[user]
    for by in ("town", "unit", "kind"):
        data = c.get("/api/v1/training/coverage?by=" + by).get_json()
        assert as_table(data["rows"], by) == expected[by], by
        assert (data["total"]["new"], data["total"]["trained"]) == expected["total"]
        for row in data["rows"]:
            assert row["untrained"] == row["new"] - row["trained"]


@pytest.mark.parametrize("user", list(EXPECTED))
def test_untrained_list_matches(browser, user):
    b = browser(user)
    html = b.get("/untrainedcadreview/list/?psize_UntrainedCadreView=100").get_data(as_text=True)
    shown = {n for n in ALL_NAMES if ">%s<" % n in html}
    assert shown == EXPECTED[user]["untrained"]
    export = b.get("/untrainedcadreview/export/").get_data().decode("utf-8-sig").splitlines()
    assert {line.split(",")[0] for line in export[1:]} == EXPECTED[user]["untrained"]


def test_coverage_page_links_to_the_lists_behind(browser):
    b = browser("office")
    html = b.get("/villageaid/training/coverage/").get_data(as_text=True)
    assert "乙乡" in html and "66.7" not in html  # 1 of 4 in 乙乡 = 25.0
    assert "25.0" in html and "33.3" in html  # 乙乡 25.0 %, total 2 of 6
    t2 = ids(__import__("villageaid.models", fromlist=["Town"]).Town, "乙乡")[0]
    assert "/untrainedcadreview/list/?_flt_0_town_id=%d" % t2 in html
    # the list behind 乙乡's untrained number
    listed = b.get("/untrainedcadreview/list/?_flt_0_town_id=%d" % t2).get_data(as_text=True)
    assert {n for n in ALL_NAMES if ">%s<" % n in listed} == {"李二", "钱五", "吴八"}
    trained = b.get("/newcadretrainingview/list/?_flt_0_town_id=%d&_flt_0_trained=y" % t2).get_data(as_text=True)
    assert {n for n in ALL_NAMES if ">%s<" % n in trained} == {"王三"}
    by_kind = b.get("/untrainedcadreview/list/?_flt_3_kind=resident").get_data(as_text=True)
    assert {n for n in ALL_NAMES if ">%s<" % n in by_kind} == {"李二", "赵四"}
    csv_text = b.get("/villageaid/training/coverage/export/?by=town").get_data().decode("utf-8-sig")
    assert "乙乡,4,1,3,25.0" in csv_text and "合计,6,2,4,33.3" in csv_text


def test_one_record_per_session_and_cadre(browser, training_fixture):
    c1, = ids(Cadre, "张一")
    resp = browser("office").post("/attendanceview/add", {
        "training_session": str(training_fixture["S1"]), "cadre": str(c1), "status": "enrolled"})
    assert resp.status_code == 200
    assert "该人员在此班次已有参训记录" in resp.get_data(as_text=True)


def test_audience_and_capacity_are_enforced(browser, training_fixture):
    b = browser("office")
    c5, c4 = ids(Cadre, "钱五", "赵四")
    resp = b.post("/attendanceview/add", {"training_session": str(training_fixture["S2"]), "cadre": str(c5), "status": "enrolled"})
    assert "该班次面向驻村干部" in resp.get_data(as_text=True)
    resp = b.post("/attendanceview/add", {"training_session": str(training_fixture["S2"]), "cadre": str(c4), "status": "enrolled"})
    assert "班次已满" in resp.get_data(as_text=True)
    resp = b.post("/attendanceview/add", {"training_session": str(training_fixture["S3"]), "cadre": str(c5), "status": "absent", "completed": "y"})
    assert "只有已参训的记录才能标记为完成" in resp.get_data(as_text=True)
    assert count(TrainingAttendance, TrainingAttendance.cadre_id.in_([c4, c5])) == 1  # 赵四's S1 record only


def test_session_form_rules(browser):
    b = browser("office")
    before = count(TrainingSession)
    form = {"title": "坏班次", "start_date": "2021-05-03", "end_date": "2021-05-01", "hours": "8", "audience": "both"}
    assert "结束日期不能早于开始日期" in b.post("/trainingsessionview/add", form).get_data(as_text=True)
    form.update(end_date="2021-05-04", hours="0")
    assert "数值必须大于零" in b.post("/trainingsessionview/add", form).get_data(as_text=True)
    form.update(hours="8", audience="everyone")
    assert "选择无效" in b.post("/trainingsessionview/add", form).get_data(as_text=True)
    form.update(audience="both")
    assert b.post("/trainingsessionview/add", form).status_code == 302
    assert count(TrainingSession) == before + 1


def test_clerk_reads_sessions_but_does_not_write_them(browser, training_fixture):
    b = browser("clerk_town")
    assert b.get("/trainingsessionview/list/").status_code == 200
    assert b.get("/trainingsessionview/show/%d" % training_fixture["S1"]).status_code == 200
    assert b.get("/trainingsessionview/add").status_code == 403
    assert b.get("/trainingsessionview/edit/%d" % training_fixture["S1"]).status_code == 403


def test_session_page_lists_only_attendance_in_scope(browser, training_fixture):
    html = browser("clerk_town").get("/trainingsessionview/show/%d" % training_fixture["S1"]).get_data(as_text=True)
    assert {n for n in ALL_NAMES if ">%s<" % n in html} == {"张一", "赵四", "孙六"}


def test_cadre_page_shows_training_history(browser):
    c1, = ids(Cadre, "张一")
    html = browser("clerk_town").get("/cadreview/show/%d" % c1).get_data(as_text=True)
    assert "<td>S1（2021-S1）</td>" in html and "<td>参训</td>" in html


def test_bulk_enrol_with_a_foreign_cadre_changes_nothing(browser, training_fixture):
    b = browser("clerk_town")
    c4, c2 = ids(Cadre, "赵四", "李二")
    before = count(TrainingAttendance)
    resp = b.post("/villageaid/training/enrol", {"training_session": str(training_fixture["S3"]), "cadre": [str(c4), str(c2)]},
                  token_from="/untrainedcadreview/list/")
    assert resp.status_code == 404
    assert count(TrainingAttendance) == before


def test_bulk_enrol_reports_done_and_skipped(browser, training_fixture):
    b = browser("clerk_unit")
    resp = b.post("/villageaid/training/enrol_untrained/%d" % training_fixture["S1"], {},
                  token_from="/untrainedcadreview/list/", follow_redirects=True)
    html = resp.get_data(as_text=True)
    # clerk_unit's untrained new cadres: 赵四 (already in S1), 钱五 (enrolled now)
    assert "完成 1 人" in html and "已在班次中 1 人" in html
    c5, = ids(Cadre, "钱五")
    assert count(TrainingAttendance, TrainingAttendance.cadre_id == c5) == 1
    # choose-then-enrol from the untrained list: 赵四 is a resident cadre, S3 is for village cadres
    c4, = ids(Cadre, "赵四")
    resp = b.get("/villageaid/training/choose?cadre=%d" % c4)
    assert "赵四" in resp.get_data(as_text=True)
    resp = b.post("/villageaid/training/enrol", {"training_session": str(training_fixture["S3"]), "cadre": [str(c4)]},
                  token_from="/untrainedcadreview/list/", follow_redirects=True)
    assert "不属于培训对象 1 人" in resp.get_data(as_text=True)


def test_bulk_mark_obeys_scope(browser):
    a_mine = ids(Cadre, "赵四")[0]
    with database() as s:
        mine = s.query(TrainingAttendance).filter_by(cadre_id=a_mine).one().id
        foreign = s.query(TrainingAttendance).filter_by(cadre_id=ids(Cadre, "李二")[0]).one().id
    b = browser("clerk_town")
    resp = b.post("/attendanceview/action_post", {"action": "mark_completed", "rowid": [str(mine), str(foreign)]},
                  token_from="/attendanceview/list/")
    assert resp.status_code == 404
    assert fetch(TrainingAttendance, foreign).status == "absent"
    assert fetch(TrainingAttendance, mine).status == "excused"
    resp = b.post("/attendanceview/action_post", {"action": "mark_absent", "rowid": [str(mine)]},
                  token_from="/attendanceview/list/", follow_redirects=True)
    assert "已更新 1 条记录" in resp.get_data(as_text=True)
    assert fetch(TrainingAttendance, mine).status == "absent"
    with database() as s:
        s.get(TrainingAttendance, mine).status = "excused"
        s.commit()


def test_inspector_cannot_mark_or_enrol(browser, training_fixture):
    b = browser("inspector")
    assert b.get("/villageaid/training/coverage/").status_code == 200
    with database() as s:
        any_id = s.query(TrainingAttendance.id).first()[0]
    resp = b.post("/attendanceview/action_post", {"action": "mark_completed", "rowid": [str(any_id)]}, token_from="/attendanceview/list/")
    assert resp.status_code == 403
    resp = b.post("/villageaid/training/enrol_untrained/%d" % training_fixture["S1"], {}, token_from="/attendanceview/list/")
    assert resp.status_code == 403


def test_attendance_api_is_scoped(api, training_fixture):
    c = api("clerk_town")
    rows = c.get("/api/v1/training_attendance/?q=(page_size:100)").get_json()["result"]
    assert {r["cadre"]["name"] for r in rows} == {"张一", "赵四", "孙六"}
    c2, = ids(Cadre, "李二")
    resp = c.post("/api/v1/training_attendance/", json={"training_session": training_fixture["S3"], "cadre": c2, "status": "enrolled"})
    assert resp.status_code == 422
    assert c.get("/api/v1/training_session/%d" % training_fixture["S1"]).status_code == 200
    assert c.post("/api/v1/training_session/", json={"title": "x", "start_date": "2021-01-01", "end_date": "2021-01-02", "hours": 1, "audience": "both"}).status_code in (401, 403)


def test_a_bulk_only_action_on_one_row_is_not_found(browser):
    c4, = ids(Cadre, "赵四")
    b = browser("clerk_town")
    assert b.post("/untrainedcadreview/action/enrol/%d" % c4, {}, token_from="/untrainedcadreview/list/").status_code == 404
