"""The one write path: every reference a write sets is checked, whatever else
the same request changes and in whatever order (the API PUT that changed two
references at once used to skip the second check); stale and version-less
edits are refused; deletes say what still refers to a record."""
import itertools
from datetime import date

import pytest

from villageaid.models import (
    Cadre, FollowUpRecord, ReserveCandidate, Town, TrainingAttendance, TrainingSession, Unit, Village,
)

from .helpers import count, database, fetch, ids


@pytest.fixture
def world(app):
    """Records for clerk_unit (一局: sees 甲村, 丙村 and cadres 张一, 赵四, 王三, 钱五)
    to edit, and the foreign rows to forge into them."""
    with database() as s:
        t2 = s.query(Town).filter_by(name="乙乡").one()
        u1, u2 = s.query(Unit).filter_by(name="一局").one(), s.query(Unit).filter_by(name="二局").one()
        v = {x.name: x for x in s.query(Village)}
        c = {x.name: x for x in s.query(Cadre)}
        mine_2017 = Village(name="一局出列村", town=t2, unit=u1, poverty_status="poor", exit_year=2017, registered_poor=10)
        foreign_2017 = Village(name="二局出列村", town=t2, unit=u2, poverty_status="poor", exit_year=2017, registered_poor=10)
        roomy = TrainingSession(title="有空班", start_date=date(2021, 4, 1), end_date=date(2021, 4, 2), hours=8, audience="both")
        other = TrainingSession(title="另一班", start_date=date(2021, 5, 1), end_date=date(2021, 5, 2), hours=8, audience="both")
        full = TrainingSession(title="满员班", start_date=date(2021, 6, 1), end_date=date(2021, 6, 2), hours=8,
                               audience="both", capacity=1)
        s.add_all([mine_2017, foreign_2017, roomy, other, full])
        s.flush()
        s.add(TrainingAttendance(training_session=full, cadre=c["张一"], status="enrolled"))
        candidate = ReserveCandidate(village=v["甲村"], name="写路径人选", gender="male", birth_date=date(1985, 1, 1),
                                     education="bachelor", political_status="masses", background="veteran",
                                     target_post="member", mentor=c["王三"])
        record = FollowUpRecord(village=v["甲村"], date=date(2021, 3, 1), kind="visit", unit=u1)
        attendance = TrainingAttendance(training_session=roomy, cadre=c["钱五"], status="enrolled")
        s.add_all([candidate, record, attendance])
        s.commit()
        ids_ = dict(
            v甲=v["甲村"].id, v乙=v["乙村"].id, v丙=v["丙村"].id, mine2017=mine_2017.id, foreign2017=foreign_2017.id,
            u1=u1.id, u2=u2.id, 王三=c["王三"].id, 钱五=c["钱五"].id, 赵四=c["赵四"].id, 李二=c["李二"].id,
            roomy=roomy.id, other=other.id, full=full.id,
            candidate=candidate.id, record=record.id, attendance=attendance.id,
        )
        qian = {"village_id": c["钱五"].village_id, "unit_id": c["钱五"].unit_id}
    yield ids_
    with database() as s:
        s.query(Cadre).filter_by(id=ids_["钱五"]).update(qian)  # changed by a test: put back
        s.query(TrainingAttendance).filter(TrainingAttendance.training_session_id.in_([ids_["roomy"], ids_["other"], ids_["full"]])).delete(synchronize_session=False)
        s.commit()


def cases(w):
    """(resource, record id, model, base payload for POST, {reference: (allowed change, forged)})."""
    return [
        ("cadre", w["钱五"], Cadre,
         dict(name="写路径", gender="male", id_number="530428199001010038", kind="village", post="member",
              start_date="2021-01-01", status="active", village=w["v丙"]),
         {"village": (w["v甲"], w["v乙"]), "unit": (w["u1"], None)}),
        ("reserve_candidate", w["candidate"], ReserveCandidate,
         dict(name="新人选", gender="male", birth_date="1986-02-02", education="bachelor", political_status="masses",
              background="veteran", target_post="member", village=w["v甲"]),
         {"village": (w["v丙"], w["v乙"]), "mentor": (w["钱五"], w["李二"])}),
        ("followup_record", w["record"], FollowUpRecord,
         dict(date="2021-03-02", kind="visit", village=w["v甲"]),
         {"village": (w["mine2017"], w["foreign2017"]), "unit": (w["u1"], w["u2"])}),
        ("training_attendance", w["attendance"], TrainingAttendance,
         dict(status="enrolled", cadre=w["王三"], training_session=w["roomy"]),
         {"training_session": (w["other"], w["full"]), "cadre": (w["赵四"], w["李二"])}),
    ]


def combinations(refs):
    """Every way to forge one reference while changing any of the others to
    values the user may name."""
    for forged, (_ok, bad) in refs.items():
        if bad is None:
            continue
        others = [k for k in refs if k != forged]
        for n in range(len(others) + 1):
            for changed in itertools.combinations(others, n):
                payload = {k: refs[k][0] for k in changed}
                payload[forged] = bad
                for order in itertools.permutations(payload):  # JSON key order too
                    yield forged, {k: payload[k] for k in order}


def columns_of(model, pk):
    row = fetch(model, pk)
    return {c.key: getattr(row, c.key) for c in model.__table__.columns}


def test_put_checks_every_reference_whatever_else_changes(api, world):
    c = api("clerk_unit")
    checked = 0
    for resource, pk, model, _base, refs in cases(world):
        for forged, payload in combinations(refs):
            before = columns_of(model, pk)
            resp = c.put("/api/v1/%s/%d" % (resource, pk), json={**payload, "row_version": before["row_version"]})
            assert resp.status_code == 422, (resource, payload, resp.get_json())
            assert forged in resp.get_json()["message"] or "_schema" in resp.get_json()["message"], (resource, payload)
            assert columns_of(model, pk) == before, (resource, payload)
            checked += 1
    assert checked >= 12


def test_post_checks_every_reference_whatever_else_is_set(api, world):
    c = api("clerk_unit")
    for resource, _pk, model, base, refs in cases(world):
        for _forged, payload in combinations(refs):
            total = count(model)
            resp = c.post("/api/v1/%s/" % resource, json={**base, **payload})
            assert resp.status_code == 422, (resource, payload, resp.get_json())
            assert count(model) == total, (resource, payload)


def test_allowed_changes_of_several_references_at_once_are_saved(api, world):
    c = api("clerk_unit")
    for resource, pk, model, _base, refs in cases(world):
        payload = {k: ok for k, (ok, _bad) in refs.items()}
        version = fetch(model, pk).row_version
        resp = c.put("/api/v1/%s/%d" % (resource, pk), json={**payload, "row_version": version})
        assert resp.status_code == 200, (resource, resp.get_json())
        row = fetch(model, pk)
        for key, value in payload.items():
            assert getattr(row, key + "_id") == value, (resource, key)


def test_web_edit_without_its_row_version_is_refused(browser):
    b = browser("office")
    v1, = ids(Village, "甲村")
    t1, = ids(Town, "甲镇")
    u1, = ids(Unit, "一局")
    form = {"name": "甲村", "town": str(t1), "unit": str(u1), "poverty_status": "poor", "exit_year": "2017",
            "registered_poor": "151"}
    resp = b.post("/villageview/edit/%d" % v1, form, follow_redirects=True)
    assert "Someone else changed this record" in resp.get_data(as_text=True) or "已被他人修改" in resp.get_data(as_text=True)
    assert fetch(Village, v1).registered_poor == 150


def test_two_edits_from_the_same_version_the_second_is_refused(browser, api):
    b = browser("office")
    t1, = ids(Town, "甲镇")
    version = b.row_version("/townview/edit/%d" % t1)
    first = b.post("/townview/edit/%d" % t1, {"name": "甲镇", "kind": "town", "code": "T1A", "row_version": version})
    assert first.status_code == 302
    second = b.post("/townview/edit/%d" % t1, {"name": "甲镇", "kind": "town", "code": "T1B", "row_version": version})
    assert second.status_code == 200
    assert fetch(Town, t1).code == "T1A"
    c = api("office")
    resp = c.put("/api/v1/town/%d" % t1, json={"code": "T1C", "row_version": int(version)})
    assert resp.status_code == 409
    assert fetch(Town, t1).code == "T1A"
    with database() as s:
        s.query(Town).filter_by(id=t1).update({"code": "T1"})
        s.commit()


def test_api_delete_names_what_refers_to_the_record_and_reveals_no_sql(api):
    v1, = ids(Village, "甲村")
    resp = api("office").delete("/api/v1/village/%d" % v1)
    assert resp.status_code == 422
    message = resp.get_json()["message"]
    assert "甲村" in message and "人员 2" in message
    for leak in ("SELECT", "DELETE", "FOREIGN", "va_", "constraint", "sqlite", "psycopg"):
        assert leak not in message
    assert fetch(Village, v1) is not None


def test_web_delete_of_a_referenced_record_says_why(browser):
    u1, = ids(Unit, "一局")
    b = browser("office")
    resp = b.post("/unitview/delete/%d" % u1, token_from="/unitview/list/", follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "不能删除" in html and "村 2" in html
    assert fetch(Unit, u1) is not None


def test_a_unit_clerk_cannot_put_a_village_into_a_town_it_is_not_assigned(api, browser):
    """Villages of a town are the town's and the office's to record: a clerk
    places or moves a village only into its own towns (so that the name
    uniqueness inside a foreign town tells it nothing)."""
    v3, = ids(Village, "丙村")
    t1, t2 = ids(Town, "甲镇", "乙乡")
    u1, = ids(Unit, "一局")
    c = api("clerk_unit")
    # an existing name in a foreign town: the same answer as a new name
    for name in ("乙村", "不存在的村"):
        resp = c.post("/api/v1/village/", json={"name": name, "town": t2, "unit": u1, "poverty_status": "non_poor", "registered_poor": 1})
        assert resp.status_code == 422
        assert resp.get_json()["message"] == {"town": "不是有效的选项。"} or "town" in resp.get_json()["message"]
    version = fetch(Village, v3).row_version
    resp = c.put("/api/v1/village/%d" % v3, json={"town": t1, "row_version": version})
    assert resp.status_code == 422 and "town" in resp.get_json()["message"]
    # its own villages in a foreign town stay editable as long as the town stays
    resp = c.put("/api/v1/village/%d" % v3, json={"registered_poor": 81, "row_version": version})
    assert resp.status_code == 200, resp.get_json()
    # a town clerk creates in its own town
    ct = api("clerk_town")
    resp = ct.post("/api/v1/village/", json={"name": "甲镇新村", "town": t1, "poverty_status": "non_poor", "registered_poor": 1})
    assert resp.status_code == 201
    with database() as s:
        s.query(Village).filter_by(id=v3).update({"registered_poor": 80})
        s.commit()
