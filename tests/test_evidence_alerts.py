"""Evidence (佐证材料) on the handling of a follow-up alert (预警处置): the
same files and limits as on follow-up records, visible to whom sees the
alert (its village's scope, and its responsible unit), in the change
history, to the recycle bin and back by its own delete (alerts themselves
are never deleted: they have no delete at all)."""
from datetime import date

import pytest

from villageaid.models import ChangeRecord, Evidence, FollowUpAlert, Unit, Village

from .helpers import database, fetch, ids
from .test_evidence import PDF, PNG, stored_files, upload

PERIOD = "1999-01"


@pytest.fixture
def store(app, tmp_path):
    app.config["VILLAGEAID_EVIDENCE_DIR"] = str(tmp_path)
    yield tmp_path
    app.config.pop("VILLAGEAID_EVIDENCE_DIR", None)


@pytest.fixture
def alerts(app, store):
    """An alert of 甲村 (clerk_town's and clerk_unit's scope), one of 乙村
    whose responsible unit is 一局 (clerk_unit's unit, not its village), and
    one of 乙村 nobody's but the office's."""
    with database() as s:
        v1, v2 = s.get(Village, ids(Village, "甲村")[0]), s.get(Village, ids(Village, "乙村")[0])
        unit1, = ids(Unit, "一局")
        made = [FollowUpAlert(village=v1, town_id=v1.town_id, kind="no_record", period=PERIOD,
                              raised_on=date(1999, 1, 31), reason="佐证预警甲", status="open"),
                FollowUpAlert(village=v2, town_id=v2.town_id, kind="no_record", period=PERIOD,
                              raised_on=date(1999, 1, 31), reason="佐证预警乙", status="in_progress",
                              note="督办", deadline=date(1999, 3, 1), responsible_unit_id=unit1),
                FollowUpAlert(village=v2, town_id=v2.town_id, kind="no_funds", period=PERIOD,
                              raised_on=date(1999, 1, 31), reason="佐证预警丙", status="open")]
        s.add_all(made)
        s.commit()
        made = tuple(a.id for a in made)
    yield made
    with database() as s:
        s.query(ChangeRecord).delete()
        s.query(Evidence).filter(Evidence.followup_alert_id.in_(made)).delete(synchronize_session=False)
        s.query(FollowUpAlert).filter(FollowUpAlert.id.in_(made)).delete(synchronize_session=False)
        s.commit()


def evidence_of(pk):
    with database() as s:
        return [(e.id, e.file_name, e.deleted_on is not None) for e in
                s.query(Evidence).filter_by(followup_alert_id=pk).order_by(Evidence.id)]


def test_alert_evidence_uploads_downloads_and_is_in_the_history(browser, alerts, store):
    mine, _unit_alert, _office = alerts
    clerk = browser("clerk_town")
    upload(clerk, "alert", mine, PNG, "整改照片.png")
    (eid, name, binned), = evidence_of(mine)
    row = fetch(Evidence, eid)
    assert (name, row.content_type, row.size, binned) == ("整改照片.png", "image/png", len(PNG), False)
    assert len(stored_files(store)) == 1
    page = clerk.get("/followupalertview/show/%d" % mine).get_data(as_text=True)
    assert 'id="Evidence"' in page and "整改照片.png" in page
    assert 'action="/villageaid/evidence/alert/%d/upload"' % mine in page
    resp = clerk.get("/villageaid/evidence/%d/download" % eid)
    assert resp.status_code == 200 and resp.data == PNG and resp.headers["Content-Type"] == "image/png"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    with database() as s:
        change, = s.query(ChangeRecord).filter_by(model="Evidence", record_id=eid).all()
        assert (change.action, change.path, change.town_id) == ("create", "web", fetch(Village, ids(Village, "甲村")[0]).town_id)
    tab = page.split('id="History"')[1]
    assert "整改照片.png" in tab and "image/png" in tab
    # the same checks as everywhere: content, name, size
    html = upload(clerk, "alert", mine, PDF, "照片.png").get_data(as_text=True)
    assert "不符" in html and len(evidence_of(mine)) == 1 and len(stored_files(store)) == 1


def test_alert_evidence_is_visible_to_whom_sees_the_alert(browser, alerts, store):
    mine, unit_alert, office_only = alerts
    office = browser("office")
    upload(office, "alert", unit_alert, PDF, "督办单.pdf")
    upload(office, "alert", office_only, PDF, "他村.pdf")
    (unit_file, _n, _b), = evidence_of(unit_alert)
    (office_file, _n2, _b2), = evidence_of(office_only)
    # the responsible unit sees the alert of a village outside its scope, and its evidence and history
    clerk_unit = browser("clerk_unit")
    page = clerk_unit.get("/followupalertview/show/%d" % unit_alert).get_data(as_text=True)
    assert "督办单.pdf" in page and "督办单.pdf" in page.split('id="History"')[1]
    assert clerk_unit.get("/villageaid/evidence/%d/download" % unit_file).data == PDF
    upload(clerk_unit, "alert", unit_alert, PNG, "回执.png")
    assert [n for _i, n, _b in evidence_of(unit_alert)] == ["督办单.pdf", "回执.png"]
    # a clerk of another scope is refused both, as if they did not exist
    clerk_town = browser("clerk_town")
    for pk in (unit_file, office_file):
        assert clerk_town.get("/villageaid/evidence/%d/download" % pk).status_code == 404
        assert clerk_town.post("/villageaid/evidence/%d/delete" % pk, token_from="/resetmypassword/form").status_code == 404
    assert upload(clerk_town, "alert", office_only, PNG, "x.png").status_code == 404
    assert clerk_unit.get("/villageaid/evidence/%d/download" % office_file).status_code == 404
    assert evidence_of(office_only) == [(office_file, "他村.pdf", False)]
    # the inspector reads, and changes nothing
    inspector = browser("inspector")
    assert inspector.get("/villageaid/evidence/%d/download" % office_file).status_code == 200
    assert upload(inspector, "alert", office_only, PNG, "x.png").status_code == 403
    assert inspector.post("/villageaid/evidence/%d/delete" % office_file,
                          token_from="/resetmypassword/form").status_code == 403
    assert len(evidence_of(office_only)) == 1


def test_alert_evidence_goes_to_the_bin_and_back(browser, alerts, store):
    mine = alerts[0]
    clerk, admin = browser("clerk_town"), browser("admin")
    upload(clerk, "alert", mine, PNG, "一.png")
    upload(clerk, "alert", mine, PDF, "二.pdf")
    (first, _n1, _b1), (second, _n2, _b2) = evidence_of(mine)
    clerk.post("/villageaid/evidence/%d/delete" % first, token_from="/resetmypassword/form")
    assert evidence_of(mine)[0][2] is True
    assert clerk.get("/villageaid/evidence/%d/download" % first).status_code == 404
    assert "一.png" not in clerk.get("/followupalertview/show/%d" % mine).get_data(as_text=True).split('id="History"')[0]
    assert "一.png" in clerk.get("/villageaid/bin/evidence/").get_data(as_text=True)
    clerk.post("/villageaid/bin/evidence/%d/restore" % first, token_from="/villageaid/bin/evidence/")
    assert evidence_of(mine)[0][2] is False
    assert clerk.get("/villageaid/evidence/%d/download" % first).data == PNG
    with database() as s:
        actions = [r.action for r in s.query(ChangeRecord).filter_by(model="Evidence", record_id=first).order_by(ChangeRecord.id)]
    assert actions == ["create", "delete", "restore"]
    # alerts are never deleted: no route deletes one, so their evidence never goes with them
    assert clerk.post("/followupalertview/delete/%d" % mine, token_from="/followupalertview/list/").status_code in (403, 404, 405)
    assert fetch(FollowUpAlert, mine) is not None
    # purge of one file (the administrator's) removes its file
    clerk.post("/villageaid/evidence/%d/delete" % second, token_from="/resetmypassword/form")
    admin.post("/villageaid/bin/evidence/%d/purge" % second, token_from="/villageaid/bin/evidence/")
    assert [n for _i, n, _b in evidence_of(mine)] == ["一.png"] and len(stored_files(store)) == 1
