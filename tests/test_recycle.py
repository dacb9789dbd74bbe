"""Recycle bin (回收站): a deleted record is nowhere but in the bin of those
whose scope it had; restore gives it back as it was; purge is the
administrator's; what refers to a binned record waits for it."""
import re

import pytest

from villageaid.models import Cadre, ChangeRecord, Town, Unit, Village

from .helpers import database, fetch, ids

FIELDS = [c.key for c in Cadre.__table__.columns if c.key not in ("row_version", "changed_on", "changed_by_fk",
                                                                   "deleted_on", "deleted_by_fk")]


def row(model, pk):
    r = fetch(model, pk)
    return {k: getattr(r, k) for k in FIELDS} if model is Cadre else r


@pytest.fixture
def cadre(app, browser):
    """A new cadre of 甲村 (clerk_town's and clerk_unit's scope), made by the office."""
    b = browser("office")
    v1, = ids(Village, "甲村")
    resp = b.post("/cadreview/add", {"name": "回收人", "gender": "female", "id_number": "53042819920202002X",
                                     "phone": "13700001111", "kind": "village", "post": "committee_member", "village": str(v1),
                                     "start_date": "2021-03-01", "status": "active"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    pk, = ids(Cadre, "回收人")
    yield pk
    with database() as s:
        s.query(ChangeRecord).delete()
        s.query(Cadre).filter_by(id=pk).delete()
        s.commit()


def test_deleted_record_is_nowhere_but_in_the_bin(browser, api, cadre):
    b = browser("clerk_town")
    before = row(Cadre, cadre)
    version = fetch(Cadre, cadre).row_version
    assert b.post("/cadreview/delete/%d" % cadre, token_from="/cadreview/list/").status_code == 302
    for user in ("office", "clerk_town"):
        u = browser(user)
        assert "回收人" not in u.get("/cadreview/list/").get_data(as_text=True)
        assert u.get("/cadreview/show/%d" % cadre).status_code == 404
        assert "回收人" not in u.get("/cadreview/export/").get_data(as_text=True)
        assert "回收人" not in u.get("/villageaid/lookup/cadre?q=回收").get_data(as_text=True)
        assert "回收人" not in u.get("/villageview/show/%d" % ids(Village, "甲村")[0]).get_data(as_text=True).split('id="History"')[0]
        assert api(user).get("/api/v1/cadre/%d" % cadre).status_code == 404
        assert "回收人" not in u.get("/untrainedcadreview/list/").get_data(as_text=True)
    # in the bin: the office's and the clerks' whose scope it had, not the others'
    for user, sees in (("office", True), ("clerk_town", True), ("clerk_unit", True), ("clerk_none", False)):
        html = browser(user).get("/villageaid/bin/cadre/").get_data(as_text=True)
        assert ("回收人" in html) is sees, user
    # the inspector reads the bin (it reads everything) but restores nothing
    inspector = browser("inspector")
    assert "回收人" in inspector.get("/villageaid/bin/cadre/").get_data(as_text=True)
    assert inspector.post("/villageaid/bin/cadre/%d/restore" % cadre, token_from="/villageaid/bin/cadre/").status_code == 403
    # restore: back as it was; the row version went up by one for the delete and one for the restore
    other = browser("clerk_none")
    assert other.post("/villageaid/bin/cadre/%d/restore" % cadre, token_from="/cadreview/add").status_code == 404
    resp = b.post("/villageaid/bin/cadre/%d/restore" % cadre, token_from="/villageaid/bin/cadre/", follow_redirects=True)
    assert "已恢复" in resp.get_data(as_text=True)
    assert row(Cadre, cadre) == before
    assert fetch(Cadre, cadre).row_version == version + 2
    assert "回收人" in browser("clerk_town").get("/cadreview/list/").get_data(as_text=True)
    # the history tells it all
    with database() as s:
        actions = [r.action for r in s.query(ChangeRecord).filter_by(model="Cadre", record_id=cadre).order_by(ChangeRecord.id)]
    assert actions == ["create", "delete", "restore"]
    tab = browser("office").get("/cadreview/show/%d" % cadre).get_data(as_text=True)
    tab = tab[tab.index('id="History"'):]
    assert "删除" in tab and "恢复" in tab and "新增" in tab


def test_restore_waits_for_what_it_refers_to(browser, app):
    office = browser("office")
    t1, = ids(Town, "甲镇")
    office.post("/villageview/add", {"name": "箱村", "town": str(t1), "poverty_status": "non_poor", "registered_poor": "1"})
    v, = ids(Village, "箱村")
    office.post("/cadreview/add", {"name": "箱人", "gender": "male", "id_number": "530428199303030032",
                                   "kind": "village", "post": "committee_member", "village": str(v),
                                   "start_date": "2021-03-01", "status": "active"})
    c, = ids(Cadre, "箱人")
    # the village cannot go while its cadre is there
    html = office.post("/villageview/delete/%d" % v, token_from="/villageview/list/", follow_redirects=True).get_data(as_text=True)
    assert "不能删除" in html and fetch(Village, v).deleted_on is None
    office.post("/cadreview/delete/%d" % c, token_from="/cadreview/list/")
    office.post("/villageview/delete/%d" % v, token_from="/villageview/list/")
    assert fetch(Village, v).deleted_on is not None
    html = office.post("/villageaid/bin/cadre/%d/restore" % c, token_from="/villageaid/bin/cadre/", follow_redirects=True).get_data(as_text=True)
    assert "本身在回收站中" in html and "箱村" in html
    assert fetch(Cadre, c).deleted_on is not None
    office.post("/villageaid/bin/village/%d/restore" % v, token_from="/villageaid/bin/village/")
    office.post("/villageaid/bin/cadre/%d/restore" % c, token_from="/villageaid/bin/cadre/")
    assert fetch(Cadre, c).deleted_on is None and fetch(Village, v).deleted_on is None
    with database() as s:
        s.query(ChangeRecord).delete()
        s.query(Cadre).filter_by(id=c).delete()
        s.query(Village).filter_by(id=v).delete()
        s.commit()


def test_a_binned_persons_id_number_says_where_it_is(browser, api, cadre):
    browser("office").post("/cadreview/delete/%d" % cadre, token_from="/cadreview/list/")
    v1, = ids(Village, "甲村")
    payload = {"name": "重复人", "gender": "female", "id_number": "53042819920202002X", "kind": "village",
               "post": "committee_member", "village": v1, "start_date": "2021-03-01", "status": "active"}
    resp = api("clerk_town").post("/api/v1/cadre/", json=payload)
    assert resp.status_code == 422
    assert "回收站" in resp.get_json()["message"]["id_number"]
    # a clerk who could not see the record in the bin is told only that the number is in use
    u1, = ids(Unit, "一局")
    c2 = api("clerk_unit").post("/api/v1/cadre/", json={**payload, "kind": "resident", "post": "team_member", "unit": u1, "village": None})
    assert c2.status_code == 422


def test_purge_is_the_administrators_and_anonymises_the_history(browser, cadre):
    office = browser("office")
    office.post("/cadreview/delete/%d" % cadre, token_from="/cadreview/list/")
    assert office.post("/villageaid/bin/cadre/%d/purge" % cadre, token_from="/villageaid/bin/cadre/").status_code == 403
    assert "彻底删除" not in office.get("/villageaid/bin/cadre/").get_data(as_text=True)
    admin = browser("admin")
    assert "彻底删除" in admin.get("/villageaid/bin/cadre/").get_data(as_text=True)
    resp = admin.post("/villageaid/bin/cadre/%d/purge" % cadre, token_from="/villageaid/bin/cadre/", follow_redirects=True)
    assert "已彻底删除" in resp.get_data(as_text=True)
    assert fetch(Cadre, cadre) is None
    with database() as s:
        rows = s.query(ChangeRecord).filter_by(model="Cadre", record_id=cadre).order_by(ChangeRecord.id).all()
        assert [r.action for r in rows] == ["create", "delete", "purge"]
        text = " ".join(r.changes + r.record_label for r in rows)
    assert "53042819920202002X" not in text and "13700001111" not in text
    assert re.search(r"530428\*{8}002X", text)
    # a person's name too: the family name stays
    assert "回收人" not in text and "回**" in text
