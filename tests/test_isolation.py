"""A change made in one test is not seen by the next (tests/isolation.py).

The first test changes fixture rows over HTTP, as the office would, adds
rows and deletes one; the second, which pytest runs right after it, finds
the fixture as conftest built it.
"""
from villageaid.models import Cadre, ScopeAssignment, Town, Village

from .helpers import count, database, fetch, ids

CHANGED = []


def test_a_test_changes_fixture_rows(browser, app):
    office = browser("office")
    v1, = ids(Village, "甲村")
    t1, = ids(Town, "甲镇")
    before = fetch(Village, v1)
    resp = office.post("/villageview/edit/%d" % v1, {
        "name": "改名村", "town": str(t1), "unit": str(before.unit_id), "poverty_status": "poor",
        "exit_year": "2017", "registered_poor": "999", "row_version": office.row_version("/villageview/edit/%d" % v1),
    })
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    assert fetch(Village, v1).name == "改名村" and fetch(Village, v1).registered_poor == 999
    resp = office.post("/townview/add", {"name": "新镇", "kind": "town", "code": "T9"})
    assert resp.status_code == 302
    assert count(Town) == 3
    # a scope assignment of the fixture removed: clerk_town loses 甲镇
    with_town = count(ScopeAssignment)
    with database() as s:
        s.query(ScopeAssignment).filter(ScopeAssignment.town_id == t1).delete()
        s.commit()
    assert count(ScopeAssignment) == with_town - 1
    CHANGED.append(v1)


def test_the_next_test_sees_the_fixture_as_built(browser):
    v1, = ids(Village, "甲村")
    row = fetch(Village, v1)
    assert row.name == "甲村" and row.registered_poor == 150
    assert count(Town) == 2 and count(Village) == 3 and count(Cadre) == 5
    assert count(Town, Town.name == "新镇") == 0
    # the deleted assignment is back: clerk_town sees its village again
    html = browser("clerk_town").get("/villageview/list/").get_data(as_text=True)
    assert ">甲村<" in html
    if CHANGED:  # ran after the test above (not when selected alone)
        assert CHANGED == [v1]
