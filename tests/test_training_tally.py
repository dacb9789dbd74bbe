"""Coverage kept per group of cadres (tally.py): the figures the API and the
pages show come from the kept groups, which follow every write and the
reference date, and equal what the cadres give (conftest also compares the
two after every test)."""
from datetime import date

import pytest

from villageaid import tally
from villageaid.models import Cadre, TrainingTally, Unit, Village

from .helpers import database, fetch, ids, sent_statements


def coverage(client, by="town"):
    data = client.get("/api/v1/training/coverage?by=" + by).get_json()
    return {r["name"]: (r["new"], r["trained"]) for r in data["rows"]}, (data["total"]["new"], data["total"]["trained"])


@pytest.fixture
def reference(app):
    before = app.config.get("VILLAGEAID_REFERENCE_DATE")

    def set_to(day):
        app.config["VILLAGEAID_REFERENCE_DATE"] = day

    yield set_to
    app.config["VILLAGEAID_REFERENCE_DATE"] = before


def test_the_office_coverage_reads_the_groups_not_the_cadres(app, browser):
    b = browser("office")
    b.get("/villageaid/training/coverage/")  # the first report of the day brings the groups up to date
    with sent_statements(app) as statements:
        page = b.get("/villageaid/training/coverage/")
    assert page.status_code == 200 and "甲镇" in page.get_data(as_text=True)
    read = " ".join(statements)
    assert "va_training_tally" in read
    assert "va_cadre" not in read and "va_training_attendance" not in read


def test_a_session_counts_from_the_day_it_ends(api, reference):
    """Who is trained moves with the reference date: an earlier date rebuilds
    the groups; a later one recomputes the towns of the sessions that ended
    in between."""
    office = api("office")
    c1, = ids(Cadre, "张一")
    reference(date(2022, 6, 20))
    resp = office.post("/api/v1/training_session/", json={
        "title": "期末班", "start_date": "2022-06-10", "end_date": "2022-06-12", "audience": "both"})
    assert resp.status_code == 201, resp.get_json()
    resp = office.post("/api/v1/training_attendance/", json={
        "training_session": resp.get_json()["id"], "cadre": c1, "status": "attended", "completed": True})
    assert resp.status_code == 201, resp.get_json()
    assert coverage(office)[0]["甲镇"] == (2, 1)
    reference(date(2022, 6, 11))  # the session has not ended yet
    assert coverage(office)[0]["甲镇"] == (2, 0)
    with database() as s:
        assert tally.held_date(s) == date(2022, 6, 11) and tally.out_of_step(s) is None
    reference(date(2022, 6, 12))  # the day it ends
    assert coverage(office)[0]["甲镇"] == (2, 1)
    with database() as s:
        assert tally.held_date(s) == date(2022, 6, 12) and tally.out_of_step(s) is None


def test_another_new_cadre_date_rebuilds_the_groups(app, api):
    office = api("office")
    assert coverage(office)[1] == (5, 0)
    before = app.config["VILLAGEAID_NEW_CADRE_SINCE"]
    app.config["VILLAGEAID_NEW_CADRE_SINCE"] = date(2021, 1, 1)  # the fixture's cadres started in 2020
    try:
        assert coverage(office)[1] == (0, 0)
        with database() as s:
            assert s.query(TrainingTally).count() == 0
    finally:
        app.config["VILLAGEAID_NEW_CADRE_SINCE"] = before
    assert coverage(office)[1] == (5, 0)


def test_moving_a_cadre_moves_it_between_towns_and_units_for_every_user(api):
    """A cadre's village (and so its town) and unit changed through the API:
    the groups of both towns follow, and each clerk's coverage with them."""
    office, clerk_town, clerk_unit = api("office"), api("clerk_town"), api("clerk_unit")
    assert coverage(office)[0] == {"甲镇": (2, 0), "乙乡": (3, 0)}
    assert coverage(clerk_town)[1] == (2, 0)
    assert coverage(clerk_unit)[1] == (4, 0)
    c4, = ids(Cadre, "赵四")  # resident of 二局 in 甲村
    v3, = ids(Village, "丙村")  # 乙乡, unit 一局
    u1, = ids(Unit, "一局")
    resp = office.put("/api/v1/cadre/%d" % c4, json={"village": v3, "unit": u1,
                                                      "row_version": fetch(Cadre, c4).row_version})
    assert resp.status_code == 200, resp.get_json()
    assert coverage(office)[0] == {"甲镇": (1, 0), "乙乡": (4, 0)}
    assert coverage(clerk_town)[1] == (1, 0)  # 甲镇 no longer holds 赵四
    assert coverage(clerk_unit)[1] == (4, 0)  # 一局 still sees it: its unit and its village now
    with database() as s:
        assert tally.out_of_step(s) is None


def test_a_deleted_cadre_leaves_the_figures_and_a_restored_one_comes_back(browser, api):
    office = api("office")
    c1, = ids(Cadre, "张一")
    assert coverage(office)[1] == (5, 0)
    assert office.delete("/api/v1/cadre/%d" % c1).status_code == 200
    assert coverage(office)[1] == (4, 0)
    resp = browser("office").post("/villageaid/bin/cadre/%d/restore" % c1, token_from="/villageaid/bin/cadre/",
                                  follow_redirects=True)
    assert "已恢复" in resp.get_data(as_text=True)
    assert coverage(office)[1] == (5, 0)


def test_a_report_as_of_a_past_date_reads_the_cadres(app):
    from villageaid.timefmt import as_of

    with app.test_request_context():
        with as_of(date(2021, 4, 30)):
            assert tally.usable(app.appbuilder.session) is False
        assert tally.usable(app.appbuilder.session) is True


def test_two_rebuilds_at_once_take_turns(app):
    """Two first reports rebuilding at the same moment, before anything was
    ever kept (no row of dates to lock yet): the second waits for the first
    and replaces its rows instead of adding to them."""
    import threading
    import time

    from villageaid.models import TrainingTally, TrainingTallyState

    with database() as s:
        s.query(TrainingTallyState).delete()
        s.commit()

    with app.app_context():
        engine = app.appbuilder.session.get_bind()
    first, second = engine.connect(), engine.connect()
    done = []
    try:
        with app.app_context():
            first.begin()
            tally.rebuild(first)

            def other():
                with app.app_context():
                    second.begin()
                    tally.rebuild(second)
                    second.commit()
                    done.append(True)

            thread = threading.Thread(target=other)
            thread.start()
            time.sleep(0.5)
            assert not done  # waiting for the first
            first.commit()
            thread.join(20)
            assert done
    finally:
        first.close()
        second.close()
    with database() as s:
        assert tally.out_of_step(s) is None
        assert s.query(TrainingTally).count() == 5  # the fixture's five groups, once
