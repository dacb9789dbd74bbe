"""The S3-compatible evidence store (VILLAGEAID_EVIDENCE_STORE = "s3"),
against a real S3 server in the test process (moto's): upload, listing,
download streamed through the application after the scope check, the
bucket never named on the web, and a record with evidence deleted,
restored and purged with its objects."""
import socket
from datetime import date

import boto3
import pytest
from moto.server import ThreadedMotoServer

from villageaid import evidence
from villageaid.models import ChangeRecord, Evidence, FollowUpRecord, Village

from .helpers import database, fetch, ids
from .test_evidence import PDF, PNG, upload

BUCKET = "va-evidence-test"
PREFIX = "files/"
SETTINGS = ("VILLAGEAID_EVIDENCE_STORE", "VILLAGEAID_EVIDENCE_S3_BUCKET", "VILLAGEAID_EVIDENCE_S3_ENDPOINT_URL",
            "VILLAGEAID_EVIDENCE_S3_REGION", "VILLAGEAID_EVIDENCE_S3_PREFIX", "VILLAGEAID_EVIDENCE_S3_ACCESS_KEY_ID",
            "VILLAGEAID_EVIDENCE_S3_SECRET_ACCESS_KEY")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield "http://127.0.0.1:%d" % port
    finally:
        server.stop()


@pytest.fixture
def s3_store(app, s3_server):
    kept = {name: app.config.get(name) for name in SETTINGS}
    app.config.update(VILLAGEAID_EVIDENCE_STORE="s3", VILLAGEAID_EVIDENCE_S3_BUCKET=BUCKET,
                      VILLAGEAID_EVIDENCE_S3_ENDPOINT_URL=s3_server, VILLAGEAID_EVIDENCE_S3_REGION="us-east-1",
                      VILLAGEAID_EVIDENCE_S3_PREFIX=PREFIX, VILLAGEAID_EVIDENCE_S3_ACCESS_KEY_ID="testing",
                      VILLAGEAID_EVIDENCE_S3_SECRET_ACCESS_KEY="testing")
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=BUCKET)
    with app.app_context():
        store = evidence.store()
    assert isinstance(store, evidence.S3Store)
    yield client, store
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", ()):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
    app.config.update(kept)


@pytest.fixture
def records(app, s3_store):
    with database() as s:
        v1, v2 = s.get(Village, ids(Village, "甲村")[0]), s.get(Village, ids(Village, "乙村")[0])
        mine = FollowUpRecord(village=v1, date=date(2021, 5, 1), kind="visit", rectification="none")
        theirs = FollowUpRecord(village=v2, date=date(2021, 5, 2), kind="visit", rectification="none")
        s.add_all([mine, theirs])
        s.commit()
        made = mine.id, theirs.id
    yield made
    with database() as s:
        s.query(ChangeRecord).delete()
        s.query(Evidence).delete()
        s.query(FollowUpRecord).filter(FollowUpRecord.id.in_(made)).delete(synchronize_session=False)
        s.commit()


def objects(client):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", ()))


def evidence_of(pk):
    with database() as s:
        return [(e.id, e.file_name, e.stored_path, e.deleted_on is not None) for e in
                s.query(Evidence).filter_by(followup_record_id=pk).order_by(Evidence.id)]


def test_s3_store_keeps_lists_streams_and_removes(browser, records, s3_store):
    client, store = s3_store
    mine, theirs = records
    clerk = browser("clerk_town")
    page = upload(clerk, "followup", mine, PNG, "走访照片.png").get_data(as_text=True)
    upload(clerk, "followup", mine, PDF, "签字.pdf")
    (first, name, stored, _b), (second, _n, stored2, _b2) = evidence_of(mine)
    assert name == "走访照片.png"
    # the objects are in the bucket under the prefix, by the application's names
    assert objects(client) == sorted([PREFIX + stored, PREFIX + stored2])
    assert store.names() == sorted([stored, stored2])
    assert client.get_object(Bucket=BUCKET, Key=PREFIX + stored)["Body"].read() == PNG
    # the record's page lists them; nothing on the web names the bucket or its server
    show = clerk.get("/followuprecordview/show/%d" % mine).get_data(as_text=True)
    assert "走访照片.png" in show and "签字.pdf" in show
    resp = clerk.get("/villageaid/evidence/%d/download" % first)
    assert resp.status_code == 200 and resp.data == PNG and resp.headers["Content-Type"] == "image/png"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    for text in (page, show, str(resp.headers)):
        assert BUCKET not in text and "127.0.0.1:" not in text and stored not in text
    # a clerk of another scope is refused the file, as if it did not exist
    office = browser("office")
    upload(office, "followup", theirs, PDF, "他村.pdf")
    (foreign, _n3, foreign_stored, _b3), = evidence_of(theirs)
    assert clerk.get("/villageaid/evidence/%d/download" % foreign).status_code == 404
    assert office.get("/villageaid/evidence/%d/download" % foreign).data == PDF
    # one file to the bin keeps its object; back again
    clerk.post("/villageaid/evidence/%d/delete" % first, token_from="/resetmypassword/form")
    assert clerk.get("/villageaid/evidence/%d/download" % first).status_code == 404
    assert PREFIX + stored in objects(client)
    clerk.post("/villageaid/bin/evidence/%d/restore" % first, token_from="/villageaid/bin/evidence/")
    assert clerk.get("/villageaid/evidence/%d/download" % first).data == PNG
    # the record's delete bins its evidence, its restore brings it back, objects untouched
    clerk.post("/followuprecordview/delete/%d" % mine, token_from="/followuprecordview/list/")
    assert [b for _i, _n, _s, b in evidence_of(mine)] == [True, True]
    assert clerk.get("/villageaid/evidence/%d/download" % second).status_code == 404
    clerk.post("/villageaid/bin/followup/%d/restore" % mine, token_from="/villageaid/bin/followup/")
    assert [b for _i, _n, _s, b in evidence_of(mine)] == [False, False]
    assert clerk.get("/villageaid/evidence/%d/download" % second).data == PDF
    with database() as s:
        actions = [r.action for r in s.query(ChangeRecord).filter_by(model="Evidence", record_id=second)
                   .order_by(ChangeRecord.id)]
    assert actions == ["create", "delete", "restore"]
    # purge: the record, its rows and its objects go for good; the other scope's object stays
    clerk.post("/followuprecordview/delete/%d" % mine, token_from="/followuprecordview/list/")
    resp = browser("admin").post("/villageaid/bin/followup/%d/purge" % mine, token_from="/villageaid/bin/followup/",
                                 follow_redirects=True)
    assert resp.status_code == 200 and fetch(FollowUpRecord, mine) is None
    assert evidence_of(mine) == [] and objects(client) == [PREFIX + foreign_stored]


def test_an_unreachable_store_keeps_nothing_and_says_so(app, browser, records, s3_store):
    mine = records[0]
    app.config["VILLAGEAID_EVIDENCE_S3_BUCKET"] = "no-such-bucket"
    html = upload(browser("clerk_town"), "followup", mine, PNG, "x.png").get_data(as_text=True)
    assert "no-such-bucket" not in html and evidence_of(mine) == []
    assert "佐证材料存储未能保存该文件" in html


def test_the_store_refuses_a_name_it_did_not_give(app, s3_store):
    _client, store = s3_store
    for name in ("../x", "/etc/passwd", "ab/../../cd", ""):
        with pytest.raises(evidence.Refused):
            store.open(name)
