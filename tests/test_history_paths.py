"""The rest of the history's "done means": a bulk delete leaves a history
row per record, a restore is refused while a unique value it needs is
taken, and a clerk reaches no other scope's history by list, id, export,
detail page or API."""
import json

from villageaid.models import Cadre, ChangeRecord, Town, Village

from .helpers import database, fetch, ids


def forget(*pks):
    with database() as s:
        s.query(ChangeRecord).delete()
        s.query(Cadre).filter(Cadre.id.in_(pks)).delete(synchronize_session=False)
        s.commit()


def test_bulk_delete_leaves_a_history_row_per_record(browser):
    office = browser("office")
    t1, = ids(Town, "甲镇")
    for name in ("批一村", "批二村"):
        assert office.post("/villageview/add", {"name": name, "town": str(t1), "poverty_status": "non_poor",
                                                "registered_poor": "1"}).status_code == 302
    pks = ids(Village, "批一村", "批二村")
    resp = office.post("/villageview/action_post", {"action": "muldelete", "rowid": [str(p) for p in pks]},
                       token_from="/villageview/list/")
    assert resp.status_code == 302
    with database() as s:
        rows = s.query(ChangeRecord).filter(ChangeRecord.model == "Village", ChangeRecord.record_id.in_(pks),
                                            ChangeRecord.action == "delete").all()
        assert sorted((r.record_id, r.path) for r in rows) == sorted((p, "web") for p in pks)
        s.query(ChangeRecord).delete()
        s.query(Village).filter(Village.id.in_(pks)).delete(synchronize_session=False)
        s.commit()


def test_a_restore_needing_a_taken_value_is_refused_with_its_message(browser, monkeypatch):
    """A record in the bin keeps its unique values in the database (a new
    record with one is told it is in the bin), so a restore meets a taken
    value only if a value was given away behind the application's back:
    the restore's own check then refuses it with the field's message."""
    office = browser("office")
    v1, = ids(Village, "甲村")
    form = {"name": "占号人", "gender": "female", "id_number": "53042819920202002X", "kind": "village",
            "post": "committee_member", "village": str(v1), "start_date": "2021-03-01", "status": "active"}
    assert office.post("/cadreview/add", form).status_code == 302
    first, = ids(Cadre, "占号人")
    office.post("/cadreview/delete/%d" % first, token_from="/cadreview/list/")
    html = office.post("/cadreview/add", {**form, "name": "后来人"}, follow_redirects=True).get_data(as_text=True)
    assert "回收站" in html and ids(Cadre, "占号人") == [first]
    from villageaid import rules

    real = rules.unique_errors
    monkeypatch.setattr(rules, "unique_errors", lambda item, value_of, viewer=None: (
        {"id_number": real.__globals__["_"]("This value is already used by another record.")}
        if isinstance(item, Cadre) and item.id == first else real(item, value_of, viewer)))
    html = office.post("/villageaid/bin/cadre/%d/restore" % first, token_from="/villageaid/bin/cadre/",
                       follow_redirects=True).get_data(as_text=True)
    assert "该值已被其他记录使用" in html
    assert fetch(Cadre, first).deleted_on is not None
    with database() as s:
        assert [r.action for r in s.query(ChangeRecord).filter_by(model="Cadre", record_id=first)
                .order_by(ChangeRecord.id)] == ["create", "delete"]
    forget(first)


def test_a_clerk_reaches_no_other_scopes_history(browser, api):
    office = browser("office")
    t2, = ids(Town, "乙乡")
    assert office.post("/villageview/add", {"name": "远史村", "town": str(t2), "poverty_status": "non_poor",
                                            "registered_poor": "1"}).status_code == 302
    pk, = ids(Village, "远史村")
    with database() as s:
        change_id = s.query(ChangeRecord).filter_by(model="Village", record_id=pk).one().id
    clerk = browser("clerk_town")
    for url in ("/changerecordview/list/", "/changerecordview/show/%d" % change_id, "/changerecordview/export/",
                "/changerecordview/list/?_flt_0_record_label=远史村"):
        resp = clerk.get(url)
        assert resp.status_code in (302, 403) and "远史村" not in resp.get_data(as_text=True), url
    assert clerk.get("/villageview/show/%d" % pk).status_code == 404
    assert api("clerk_town").get("/api/v1/village/%d" % pk).status_code == 404
    # its own records' history: on their pages, the foreign one nowhere
    own = clerk.get("/villageview/show/%d" % ids(Village, "甲村")[0]).get_data(as_text=True)
    assert "远史村" not in own
    with database() as s:
        assert json.loads(s.get(ChangeRecord, change_id).changes)
        s.query(ChangeRecord).delete()
        s.query(Village).filter_by(id=pk).delete()
        s.commit()


def test_scope_assignments_leave_history_on_the_screen_and_the_command_line(app, browser):
    from villageaid.models import ScopeAssignment

    with database() as s:
        s.query(ChangeRecord).delete()
        s.commit()
    result = app.test_cli_runner().invoke(args=["villageaid", "assign-scope", "clerk_none", "--town", "乙乡"])
    assert result.exit_code == 0, result.output
    t2, = ids(Town, "乙乡")
    with database() as s:
        assignment = s.query(ScopeAssignment).filter_by(town_id=t2).join(ScopeAssignment.user).one()
        pk = assignment.id
        row, = s.query(ChangeRecord).filter_by(model="ScopeAssignment", record_id=pk).all()
        assert (row.action, row.path, row.user_id) == ("create", "cli", None)
        assert dict((f, a) for f, _b, a in json.loads(row.changes))["town"] == "乙乡"
    office = browser("office")
    assert office.post("/scopeassignmentview/delete/%d" % pk, token_from="/scopeassignmentview/list/").status_code == 302
    with database() as s:
        assert [r.action for r in s.query(ChangeRecord).filter_by(model="ScopeAssignment", record_id=pk)
                .order_by(ChangeRecord.id)] == ["create", "delete"]
        assert s.get(ScopeAssignment, pk) is None
        s.query(ChangeRecord).delete()
        s.commit()
