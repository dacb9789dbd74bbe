"""The REST API under /api/v1/ obeys the same scope policy and rules."""
import pytest

from villageaid.models import Cadre, Town, Unit, Village

from .helpers import count, deleted, fetch, ids


def names(resp):
    return {row["name"] for row in resp.get_json()["result"]}


@pytest.mark.parametrize(
    "user, villages",
    [
        ("office", {"甲村", "乙村", "丙村"}),
        ("clerk_town", {"甲村"}),
        ("clerk_unit", {"甲村", "丙村"}),
        ("clerk_none", set()),
    ],
)
def test_api_list_is_scoped(api, user, villages):
    resp = api(user).get("/api/v1/village/?q=(page_size:100)")
    assert resp.status_code == 200
    assert names(resp) & {"甲村", "乙村", "丙村"} == villages


def test_api_refuses_other_scope_by_id(api):
    v2, = ids(Village, "乙村")
    c = api("clerk_town")
    assert c.get("/api/v1/village/%d" % v2).status_code == 404
    assert c.put("/api/v1/village/%d" % v2, json={"name": "改"}).status_code == 404
    assert c.delete("/api/v1/village/%d" % v2).status_code == 404
    assert fetch(Village, v2).name == "乙村"


def test_api_post_outside_scope_is_refused(api):
    t2, = ids(Town, "乙乡")
    v2, = ids(Village, "乙村")
    c = api("clerk_town")
    resp = c.post("/api/v1/village/", json={"name": "API外村", "town": t2, "poverty_status": "non_poor", "registered_poor": 1})
    assert resp.status_code == 422
    assert count(Village, Village.name == "API外村") == 0
    resp = c.post("/api/v1/cadre/", json={
        "name": "API伪造", "gender": "male", "id_number": "530428198808080014", "kind": "village",
        "post": "director", "village": v2, "start_date": "2021-01-01", "status": "active",
    })
    assert resp.status_code == 422
    assert "village" in resp.get_json()["message"]
    assert count(Cadre, Cadre.name == "API伪造") == 0


def test_api_put_cannot_move_a_row(api):
    v1, = ids(Village, "甲村")
    t2, = ids(Town, "乙乡")
    u2, = ids(Unit, "二局")
    c = api("clerk_town")
    version = fetch(Village, v1).row_version
    resp = c.put("/api/v1/village/%d" % v1, json={"town": t2, "unit": u2, "row_version": version})
    assert resp.status_code == 422
    assert fetch(Village, v1).town_id != t2


def test_api_crud_in_scope(api):
    t1, = ids(Town, "甲镇")
    c = api("clerk_town")
    resp = c.post("/api/v1/village/", json={"name": "API新村", "town": t1, "poverty_status": "poor", "exit_year": 2018, "registered_poor": 12})
    assert resp.status_code == 201, resp.get_json()
    pk = resp.get_json()["id"]
    # a PUT must say which version it was based on
    resp = c.put("/api/v1/village/%d" % pk, json={"registered_poor": 13})
    assert resp.status_code == 428
    assert "row_version" in resp.get_json()["message"]
    assert fetch(Village, pk).registered_poor == 12
    resp = c.put("/api/v1/village/%d" % pk, json={"registered_poor": 13, "row_version": 1})
    assert resp.status_code == 200, resp.get_json()
    assert fetch(Village, pk).registered_poor == 13
    # an edit based on an old version is refused
    resp = c.put("/api/v1/village/%d" % pk, json={"registered_poor": 14, "row_version": 1})
    assert resp.status_code == 409
    assert fetch(Village, pk).registered_poor == 13
    assert c.delete("/api/v1/village/%d" % pk).status_code == 200
    assert deleted(Village, pk)


def test_api_validation_messages_are_translated(api):
    v1, = ids(Village, "甲村")
    c = api("office")
    resp = c.post("/api/v1/cadre/", json={
        "name": "坏号码", "gender": "male", "id_number": "530428198808080015", "kind": "village",
        "post": "director", "village": v1, "start_date": "2021-01-01", "status": "active",
    }, headers={**c.headers, "Accept-Language": "zh"})
    assert resp.status_code == 422
    assert "校验位" in resp.get_json()["message"]["id_number"]


def test_inspector_reads_but_cannot_write_by_api(api):
    v1, = ids(Village, "甲村")
    c = api("inspector")
    assert c.get("/api/v1/village/%d" % v1).status_code == 200
    assert c.put("/api/v1/village/%d" % v1, json={"registered_poor": 1}).status_code in (401, 403)
    assert c.delete("/api/v1/village/%d" % v1).status_code in (401, 403)
    assert fetch(Village, v1).registered_poor == 150


def test_clerk_cannot_write_reference_data_by_api(api):
    c = api("clerk_town")
    assert c.post("/api/v1/town/", json={"name": "野镇", "kind": "town"}).status_code in (401, 403)
    assert c.get("/api/v1/town/?q=(page_size:100)").status_code == 200


def test_openapi_is_served(app, api):
    assert app.test_client().get("/api/v1/_openapi").status_code == 401
    resp = api("clerk_town").get("/api/v1/_openapi")
    assert resp.status_code == 200
    paths = resp.get_json()["paths"]
    for resource in ("town", "unit", "village", "cadre"):
        assert "/api/v1/%s/" % resource in paths


def test_a_browser_session_cannot_write_through_the_api(browser):
    """The API is exempt from CSRF, so it answers to tokens only."""
    b = browser("office")
    assert b.client.post("/api/v1/town/", json={"name": "会话镇", "kind": "town"}).status_code == 401
    assert b.client.get("/api/v1/town/").status_code == 401


def test_scope_is_checked_before_uniqueness(api):
    """An out-of-scope cadre is refused for its scope, whether or not its ID
    number is already used elsewhere: no oracle for other units' people."""
    u2, = ids(Unit, "二局")
    c = api("clerk_town")
    used = fetch(Cadre, ids(Cadre, "李二")[0]).id_number
    for number in (used, "530428198808080014"):
        resp = c.post("/api/v1/cadre/", json={"name": "探测", "id_number": number, "kind": "resident",
                                               "post": "team_member", "unit": u2, "start_date": "2021-01-01", "status": "active"})
        assert resp.status_code == 422
        assert resp.get_json()["message"] == {"_schema": "该记录将超出您的管辖范围，未保存任何内容。"}


def test_blank_required_text_is_refused(api):
    v1, = ids(Village, "甲村")
    resp = api("office").post("/api/v1/cadre/", json={"name": "  ", "gender": "male", "id_number": "530428198808080014",
                                                       "kind": "village", "post": "director", "village": v1,
                                                       "start_date": "2021-01-01", "status": "active"})
    assert resp.status_code == 422 and "name" in resp.get_json()["message"]
