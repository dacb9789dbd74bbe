"""Evidence (佐证材料): files on follow-up records and training sessions —
type by content, size limit, scoped like the record (download included),
in the change history, to the recycle bin and back with its record."""
import io
import os
from datetime import date

import pytest

from villageaid.models import ChangeRecord, Evidence, FollowUpRecord, TrainingSession, Village

from .helpers import database, fetch, ids

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"x" * 64


@pytest.fixture
def store(app, tmp_path):
    app.config["VILLAGEAID_EVIDENCE_DIR"] = str(tmp_path)
    yield tmp_path
    app.config.pop("VILLAGEAID_EVIDENCE_DIR", None)
    app.config["VILLAGEAID_EVIDENCE_MAX_BYTES"] = 10 * 1024 * 1024


@pytest.fixture
def records(app, store):
    """A follow-up record of 甲村 (clerk_town's scope), one of 乙村 (no
    clerk's), and a training session."""
    with database() as s:
        v1, v2 = s.get(Village, ids(Village, "甲村")[0]), s.get(Village, ids(Village, "乙村")[0])
        mine = FollowUpRecord(village=v1, date=date(2021, 3, 1), kind="visit", rectification="none")
        theirs = FollowUpRecord(village=v2, date=date(2021, 3, 2), kind="visit", rectification="none")
        session = TrainingSession(title="佐证班", start_date=date(2021, 1, 1), end_date=date(2021, 1, 2), hours=8,
                                  audience="both")
        s.add_all([mine, theirs, session])
        s.commit()
        made = mine.id, theirs.id, session.id
    yield made
    with database() as s:
        s.query(ChangeRecord).delete()
        s.query(Evidence).delete()
        s.query(FollowUpRecord).filter(FollowUpRecord.id.in_(made[:2])).delete()
        s.query(TrainingSession).filter_by(id=made[2]).delete()
        s.commit()


def upload(b, kind, pk, data, name):
    return b.post("/villageaid/evidence/%s/%d/upload" % (kind, pk), {"file": (io.BytesIO(data), name)},
                  token_from="/resetmypassword/form", content_type="multipart/form-data", follow_redirects=True)


def evidence_of(pk):
    with database() as s:
        return [(e.id, e.file_name, e.deleted_on is not None) for e in
                s.query(Evidence).filter_by(followup_record_id=pk).order_by(Evidence.id)]


def stored_files(store):
    return sorted(os.path.join(d, f) for d, _s, files in os.walk(store) for f in files)


def test_upload_download_and_history(browser, records, store):
    mine, _theirs, _session = records
    b = browser("clerk_town")
    resp = upload(b, "followup", mine, PNG, "签到表.png")
    assert "已上传" in resp.get_data(as_text=True) or "签到表.png" in resp.get_data(as_text=True)
    (eid, name, binned), = evidence_of(mine)
    row = fetch(Evidence, eid)
    assert (name, row.content_type, row.size, binned) == ("签到表.png", "image/png", len(PNG), False)
    assert len(row.sha256) == 64 and len(stored_files(store)) == 1
    page = b.get("/followuprecordview/show/%d" % mine).get_data(as_text=True)
    assert 'id="Evidence"' in page and "签到表.png" in page
    resp = b.get("/villageaid/evidence/%d/download" % eid)
    assert resp.status_code == 200 and resp.data == PNG
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition and "\n" not in disposition
    with database() as s:
        change, = s.query(ChangeRecord).filter_by(model="Evidence", record_id=eid).all()
        # the history row has the record's scope (its village's town and unit)
        assert (change.action, change.path, change.town_id) == ("create", "web", fetch(Village, ids(Village, "甲村")[0]).town_id)
        change_id = change.id
    assert "签到表.png" in browser("office").get("/changerecordview/show/%d" % change_id).get_data(as_text=True)
    # the record's own 历史 tab tells it too
    tab = b.get("/followuprecordview/show/%d" % mine).get_data(as_text=True).split('id="History"')[1]
    assert "佐证材料: 签到表.png" in tab and "image/png" in tab


@pytest.mark.parametrize("data, name, message", [
    (b"just some text", "note.png", "只接受"),
    (PDF, "scan.png", "不符"),
    (PNG, "photo.exe", "不符"),
    (b"", "empty.pdf", "空的"),
    (b"MZ\x90\x00", "virus.pdf", "只接受"),
])
def test_wrong_files_are_refused_with_a_message(browser, records, store, data, name, message):
    mine = records[0]
    html = upload(browser("clerk_town"), "followup", mine, data, name).get_data(as_text=True)
    assert message in html, html[:2000]
    assert evidence_of(mine) == [] and stored_files(store) == []


def test_too_large_a_file_is_refused(app, browser, records, store):
    app.config["VILLAGEAID_EVIDENCE_MAX_BYTES"] = 50
    html = upload(browser("clerk_town"), "followup", records[0], PNG, "big.png").get_data(as_text=True)
    assert "大于" in html
    assert evidence_of(records[0]) == [] and stored_files(store) == []


def test_evidence_is_scoped_like_its_record(browser, records, store):
    mine, theirs, _session = records
    office = browser("office")
    upload(office, "followup", theirs, PDF, "他村.pdf")
    (foreign, _n, _b), = evidence_of(theirs)
    clerk = browser("clerk_town")
    assert clerk.get("/villageaid/evidence/%d/download" % foreign).status_code == 404
    assert clerk.post("/villageaid/evidence/%d/delete" % foreign, token_from="/resetmypassword/form").status_code == 404
    assert upload(clerk, "followup", theirs, PNG, "x.png").status_code == 404
    assert clerk.get("/villageaid/evidence/abc/download").status_code == 404
    assert upload(clerk, "nosuchkind", mine, PNG, "x.png").status_code == 404
    assert evidence_of(theirs) == [(foreign, "他村.pdf", False)] and evidence_of(mine) == []
    # the inspector reads every record's evidence, and changes none
    inspector = browser("inspector")
    assert inspector.get("/villageaid/evidence/%d/download" % foreign).status_code == 200
    assert upload(inspector, "followup", theirs, PNG, "x.png").status_code == 403
    assert inspector.post("/villageaid/evidence/%d/delete" % foreign, token_from="/resetmypassword/form").status_code == 403
    assert 'action="/villageaid/evidence/followup' not in inspector.get("/followuprecordview/show/%d" % theirs).get_data(as_text=True)


def test_session_evidence_is_the_sessions(browser, records, store):
    _mine, _theirs, session = records
    upload(browser("office"), "session", session, PDF, "签到表.pdf")
    with database() as s:
        eid = s.query(Evidence).filter_by(training_session_id=session).one().id
    clerk = browser("clerk_town")
    assert "签到表.pdf" in clerk.get("/trainingsessionview/show/%d" % session).get_data(as_text=True)
    assert clerk.get("/villageaid/evidence/%d/download" % eid).data == PDF
    # clerks read sessions but do not edit them: no upload, no delete
    assert upload(clerk, "session", session, PNG, "x.png").status_code == 403
    assert clerk.post("/villageaid/evidence/%d/delete" % eid, token_from="/resetmypassword/form").status_code == 403


def test_evidence_goes_to_the_bin_and_back_with_its_record(browser, records, store):
    mine = records[0]
    clerk, admin = browser("clerk_town"), browser("admin")
    upload(clerk, "followup", mine, PNG, "一.png")
    upload(clerk, "followup", mine, PDF, "二.pdf")
    (first, _n1, _b1), (second, _n2, _b2) = evidence_of(mine)
    # one file alone to the bin, and back
    clerk.post("/villageaid/evidence/%d/delete" % first, token_from="/resetmypassword/form")
    assert evidence_of(mine)[0][2] is True
    assert clerk.get("/villageaid/evidence/%d/download" % first).status_code == 404
    assert "一.png" in clerk.get("/villageaid/bin/evidence/").get_data(as_text=True)
    clerk.post("/villageaid/bin/evidence/%d/restore" % first, token_from="/villageaid/bin/evidence/")
    assert evidence_of(mine)[0][2] is False
    # the record's delete takes its evidence along; its restore brings it back
    before = {k: getattr(fetch(Evidence, second), k) for k in ("file_name", "sha256", "size", "stored_path")}
    clerk.post("/followuprecordview/delete/%d" % mine, token_from="/followuprecordview/list/")
    assert fetch(FollowUpRecord, mine).deleted_on is not None
    assert [b for _i, _n, b in evidence_of(mine)] == [True, True]
    assert clerk.get("/villageaid/evidence/%d/download" % second).status_code == 404
    html = clerk.post("/villageaid/bin/evidence/%d/restore" % second, token_from="/villageaid/bin/evidence/",
                      follow_redirects=True).get_data(as_text=True)
    assert "本身在回收站中" in html and evidence_of(mine)[1][2] is True
    clerk.post("/villageaid/bin/followup/%d/restore" % mine, token_from="/villageaid/bin/followup/")
    assert [b for _i, _n, b in evidence_of(mine)] == [False, False]
    assert {k: getattr(fetch(Evidence, second), k) for k in before} == before
    assert clerk.get("/villageaid/evidence/%d/download" % second).data == PDF
    with database() as s:
        actions = [r.action for r in s.query(ChangeRecord).filter_by(model="Evidence", record_id=second).order_by(ChangeRecord.id)]
    assert actions == ["create", "delete", "restore"]
    # purge: the record and its evidence go for good, files included
    clerk.post("/followuprecordview/delete/%d" % mine, token_from="/followuprecordview/list/")
    resp = admin.post("/villageaid/bin/followup/%d/purge" % mine, token_from="/villageaid/bin/followup/",
                      follow_redirects=True)
    assert resp.status_code == 200 and fetch(FollowUpRecord, mine) is None
    assert evidence_of(mine) == [] and stored_files(store) == []


def test_an_uploaded_name_is_a_name_never_a_path(browser, records, store):
    mine = records[0]
    upload(browser("clerk_town"), "followup", mine, PNG, "../../etc/passwd.png")
    (eid, name, _b), = evidence_of(mine)
    assert name == "passwd.png"
    resp = browser("clerk_town").get("/villageaid/evidence/%d/download" % eid)
    assert resp.status_code == 200 and "passwd.png" in resp.headers["Content-Disposition"]
    assert all(os.path.realpath(f).startswith(os.path.realpath(str(store))) for f in stored_files(store))
