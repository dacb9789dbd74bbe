"""The scope policy on every web path, as each role sees it."""
import re

import pytest
from villageaid.models import Cadre, Town, Unit, Village

from .helpers import count, database, deleted, fetch, ids, insert


def names_in(html, candidates):
    return {n for n in candidates if n in html}


VILLAGES = ["甲村", "乙村", "丙村"]
CADRES = ["张一", "李二", "王三", "赵四", "钱五"]


@pytest.mark.parametrize(
    "user, villages, cadres",
    [
        ("office", VILLAGES, CADRES),
        ("inspector", VILLAGES, CADRES),
        ("admin", VILLAGES, CADRES),
        ("clerk_town", ["甲村"], ["张一", "赵四"]),
        ("clerk_unit", ["甲村", "丙村"], ["张一", "赵四", "王三", "钱五"]),
        ("clerk_none", [], []),
    ],
)
def test_lists_show_exactly_the_rows_in_scope(browser, user, villages, cadres):
    b = browser(user)
    html = b.get("/villageview/list/").get_data(as_text=True)
    assert names_in(html, VILLAGES) == set(villages)
    html = b.get("/cadreview/list/").get_data(as_text=True)
    assert names_in(html, CADRES) == set(cadres)
    # the count FAB shows agrees with the rows
    assert re.search(r"共 %d 条" % len(cadres), html), html[-3000:]


def test_anonymous_is_sent_to_login(browser, app):
    b = browser()
    for url in ["/villageview/list/", "/cadreview/list/", "/townview/list/", "/villageview/show/1"]:
        resp = b.get(url)
        assert resp.status_code == 302 and "/login/" in resp.headers["Location"]
    assert app.test_client().get("/api/v1/village/").status_code == 401


def test_other_scope_record_answers_404_by_id(browser):
    v2, = ids(Village, "乙村")
    c2, = ids(Cadre, "李二")
    b = browser("clerk_town")
    assert b.get("/villageview/show/%d" % v2).status_code == 404
    assert b.get("/villageview/edit/%d" % v2).status_code == 404
    assert b.get("/cadreview/show/%d" % c2).status_code == 404
    token = b.csrf("/villageview/list/")
    resp = b.post_raw("/villageview/edit/%d" % v2, {"csrf_token": token, "name": "改名", "poverty_status": "poor", "registered_poor": "1"})
    assert resp.status_code == 404
    resp = b.post_raw("/villageview/delete/%d" % v2, {"csrf_token": token})
    assert resp.status_code == 404
    assert fetch(Village, v2).name == "乙村"


def test_in_scope_record_is_shown(browser):
    v1, = ids(Village, "甲村")
    html = browser("clerk_town").get("/villageview/show/%d" % v1).get_data(as_text=True)
    assert "甲村" in html
    # related list of cadres on the village page: only that village's cadres
    assert names_in(html, CADRES) == {"张一", "赵四"}


def test_get_never_deletes(browser):
    v1, = ids(Village, "甲村")
    b = browser("office")
    resp = b.get("/villageview/delete/%d" % v1)
    assert resp.status_code == 302
    assert fetch(Village, v1) is not None
    # an action by GET is not even routed
    assert b.get("/villageview/action/muldelete/%d" % v1).status_code == 405


def test_post_without_csrf_token_is_refused(browser):
    b = browser("office")
    before = count(Town)
    resp = b.post_raw("/townview/add", {"name": "无令牌镇", "kind": "town"})
    assert resp.status_code == 400
    v1, = ids(Village, "甲村")
    assert b.post_raw("/villageview/delete/%d" % v1).status_code == 400
    assert b.post_raw("/villageview/action_post", {"action": "muldelete", "rowid": [str(v1)]}).status_code == 400
    assert count(Town) == before
    assert fetch(Village, v1) is not None


def _new_village(name, town="甲镇", unit="一局"):
    t, = ids(Town, town)
    u, = ids(Unit, unit)
    return insert(Village(name=name, town_id=t, unit_id=u, poverty_status="non_poor", registered_poor=0))


def test_bulk_delete_with_a_foreign_id_changes_nothing(browser):
    mine = _new_village("待删甲")
    v2, = ids(Village, "乙村")
    b = browser("clerk_town")
    resp = b.post("/villageview/action_post", {"action": "muldelete", "rowid": [str(mine), str(v2)]}, token_from="/villageview/list/")
    assert resp.status_code == 404
    assert fetch(Village, mine) is not None
    assert fetch(Village, v2) is not None
    # single action on a foreign row
    resp = b.post("/villageview/action/muldelete/%d" % v2, {}, token_from="/villageview/list/")
    assert resp.status_code == 404
    # the same bulk action on own rows works
    resp = b.post("/villageview/action_post", {"action": "muldelete", "rowid": [str(mine)]}, token_from="/villageview/list/")
    assert resp.status_code == 302
    assert deleted(Village, mine)
    assert fetch(Village, v2) is not None


def test_bulk_delete_of_referenced_rows_is_all_or_nothing(browser):
    spare = _new_village("待删乙")
    v1, = ids(Village, "甲村")  # has cadres: cannot be deleted
    b = browser("office")
    resp = b.post("/villageview/action_post", {"action": "muldelete", "rowid": [str(spare), str(v1)]}, token_from="/villageview/list/", follow_redirects=True)
    assert resp.status_code == 200
    assert "仍有其他记录引用" in resp.get_data(as_text=True)
    assert fetch(Village, spare) is not None
    assert fetch(Village, v1) is not None


def test_forged_village_id_in_add_is_refused(browser):
    v2, = ids(Village, "乙村")
    t2, = ids(Town, "乙乡")
    t1, = ids(Town, "甲镇")
    b = browser("clerk_town")
    before = count(Cadre)
    resp = b.post("/cadreview/add", {
        "name": "伪造", "gender": "male", "id_number": "530428198808080014",
        "kind": "village", "post": "director", "village": str(v2),
        "start_date": "2021-01-01", "status": "active",
    })
    assert resp.status_code == 200
    assert "选择无效" in resp.get_data(as_text=True)
    # another town: a clerk records villages in its own towns only
    resp = b.post("/villageview/add", {"name": "伪造村", "town": str(t2), "poverty_status": "non_poor", "registered_poor": "3"})
    assert "选择无效" in resp.get_data(as_text=True)
    # another unit does not make it the clerk's: outside the scope
    u2, = ids(Unit, "二局")
    resp = b.post("/villageview/add", {"name": "伪造村", "town": str(t1), "unit": str(u2), "poverty_status": "non_poor", "registered_poor": "3"})
    assert resp.status_code == 302  # its own town: visible to it
    assert count(Village, Village.name == "伪造村") == 1
    with database() as s:
        s.query(Village).filter_by(name="伪造村").delete()
        s.commit()
    assert count(Cadre) == before
    assert count(Village, Village.name == "伪造村") == 0
    # the clerk's own town works
    resp = b.post("/villageview/add", {"name": "本镇新村", "town": str(t1), "poverty_status": "non_poor", "registered_poor": "3"})
    assert resp.status_code == 302
    assert count(Village, Village.name == "本镇新村") == 1


def test_edit_cannot_move_a_row_out_of_scope(browser):
    v1, = ids(Village, "甲村")
    t2, = ids(Town, "乙乡")
    u2, = ids(Unit, "二局")
    b = browser("clerk_town")
    version = b.row_version("/villageview/edit/%d" % v1)
    resp = b.post("/villageview/edit/%d" % v1, {
        "name": "甲村", "town": str(t2), "unit": str(u2), "poverty_status": "poor",
        "exit_year": "2017", "registered_poor": "150", "row_version": version,
    })
    assert "选择无效" in resp.get_data(as_text=True)  # not its town
    assert fetch(Village, v1).town.name == "甲镇"
    # the town kept, the unit changed to one not the clerk's: still its village
    # (its town); the unit moved and the town stays: fine. Moving the unit
    # away from a village a unit clerk sees only through its unit takes it
    # out of the scope: refused after the flush.
    bu = browser("clerk_unit")
    v3, = ids(Village, "丙村")
    version = bu.row_version("/villageview/edit/%d" % v3)
    resp = bu.post("/villageview/edit/%d" % v3, {
        "name": "丙村", "town": str(t2), "unit": str(u2), "poverty_status": "non_poor",
        "registered_poor": "80", "row_version": version,
    })
    assert "超出您的管辖范围" in resp.get_data(as_text=True)
    assert fetch(Village, v3).unit.name == "一局"


def test_unit_clerk_keeps_a_village_it_cannot_pick(browser):
    """王三 (unit 一局) is stationed in 乙村, which clerk_unit cannot see: editing
    王三's phone keeps the village; picking 乙村 anew would be refused."""
    c3, = ids(Cadre, "王三")
    v2, = ids(Village, "乙村")
    u1, = ids(Unit, "一局")
    b = browser("clerk_unit")
    version = b.row_version("/cadreview/edit/%d" % c3)
    resp = b.post("/cadreview/edit/%d" % c3, {
        "name": "王三", "gender": "male", "id_number": "530428199003030030", "phone": "13900001111",
        "kind": "resident", "post": "first_secretary", "unit": str(u1), "village": str(v2),
        "start_date": "2020-06-01", "status": "active", "row_version": version,
    })
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    cadre = fetch(Cadre, c3)
    assert cadre.phone == "13900001111" and cadre.village_id == v2


def test_stale_edit_is_refused(browser):
    t, = ids(Town, "乙乡")
    b = browser("office")
    version = b.row_version("/townview/edit/%d" % t)
    # someone else saves first
    with database() as session:
        session.get(Town, t).code = "T2X"
        session.commit()
    resp = b.post("/townview/edit/%d" % t, {"name": "乙乡", "kind": "township", "code": "T2Y", "row_version": version})
    assert "已被他人修改" in resp.get_data(as_text=True)
    assert fetch(Town, t).code == "T2X"


def test_roles_say_what(browser):
    t1, = ids(Town, "甲镇")
    clerk = browser("clerk_town")
    assert clerk.get("/townview/list/").status_code == 200  # reads reference data
    assert clerk.get("/townview/add").status_code == 403
    assert clerk.get("/townview/edit/%d" % t1).status_code == 403
    inspector = browser("inspector")
    v1, = ids(Village, "甲村")
    assert inspector.get("/villageview/show/%d" % v1).status_code == 200
    assert inspector.get("/villageview/edit/%d" % v1).status_code == 403
    assert inspector.get("/villageview/add").status_code == 403
    assert clerk.get("/scopeassignmentview/add").status_code == 403


def test_lookup_offers_only_rows_in_scope(browser):
    v2, = ids(Village, "乙村")
    b = browser("clerk_town")
    texts = [r["text"] for r in b.get("/villageaid/lookup/village?q=村").get_json()["results"]]
    assert "甲镇 · 甲村" in texts
    assert all(t.startswith("甲镇 · ") for t in texts)
    assert b.get("/villageaid/lookup/village?id=%d" % v2).get_json()["results"] == []
    assert b.get("/villageaid/lookup/user").get_json()["results"] == []
    office = browser("office").get("/villageaid/lookup/village?q=村").get_json()
    assert len(office["results"]) >= 3
    assert browser().get("/villageaid/lookup/village").status_code in (302, 401)


def test_clerk_sees_own_scope_assignments_only(browser):
    html = browser("clerk_town").get("/scopeassignmentview/list/").get_data(as_text=True)
    assert "clerk_town" in html and "clerk_unit" not in html


@pytest.mark.parametrize("view", ["followupyearview", "belowtargetview", "newcadretrainingview", "untrainedcadreview", "exportreceiptview"])
def test_read_only_lists_offer_no_delete(browser, view):
    b = browser("office")
    html = b.get("/%s/list/" % view).get_data(as_text=True)
    assert "muldelete" not in html and "/%s/delete/" % view not in html
    v1, = ids(Village, "甲村")
    assert b.post("/%s/delete/%d" % (view, v1), token_from="/villageview/list/").status_code == 403
    assert fetch(Village, v1) is not None
