"""ID numbers and phones: in full for Office and Clerk, masked for roles
without the personal-data permission — on pages, in exports, in the API."""
import re
from datetime import date

import pytest

from villageaid.models import Cadre

from .helpers import clerk_without, database, fetch, ids

FULL_ID, MASKED_ID = "530428198001010015", "530428********0015"
FULL_PHONE, MASKED_PHONE = "13812345678", "138****5678"


def test_office_and_clerk_see_personal_data(browser, api):
    c1, = ids(Cadre, "张一")
    for user in ("office", "clerk_town"):
        html = browser(user).get("/cadreview/show/%d" % c1).get_data(as_text=True)
        assert FULL_ID in html and FULL_PHONE in html
        assert api(user).get("/api/v1/cadre/%d" % c1).get_json()["result"]["id_number"] == FULL_ID


def test_inspector_sees_it_masked_everywhere(browser, api):
    c1, = ids(Cadre, "张一")
    b = browser("inspector")
    html = b.get("/cadreview/show/%d" % c1).get_data(as_text=True)
    assert MASKED_ID in html and MASKED_PHONE in html and FULL_ID not in html and FULL_PHONE not in html
    csv_text = b.get("/cadreview/export/?_flt_0_name=张一").get_data().decode("utf-8-sig")
    assert MASKED_ID in csv_text and MASKED_PHONE in csv_text and FULL_ID not in csv_text
    c = api("inspector")
    assert c.get("/api/v1/cadre/%d" % c1).get_json()["result"]["id_number"] == MASKED_ID
    rows = c.get("/api/v1/cadre/?q=(page_size:100)").get_json()["result"]
    assert all(FULL_ID != r["id_number"] for r in rows)
    assert any(r["id_number"] == MASKED_ID for r in rows)
    assert any(r["phone"] == MASKED_PHONE for r in rows)


def test_an_editor_without_the_permission_keeps_hidden_values(app, browser):
    c1, = ids(Cadre, "张一")
    b = browser(clerk_without(app, "nopersonal", "can_view_personal_data"))
    form = b.get("/cadreview/edit/%d" % c1).get_data(as_text=True)
    assert FULL_ID not in form and FULL_PHONE not in form
    version = re.search(r'name="row_version" type="hidden" value="(\d+)"', form).group(1)
    v1 = fetch(Cadre, c1).village_id
    resp = b.post("/cadreview/edit/%d" % c1, {
        "name": "张一", "gender": "male", "id_number": "", "phone": "", "kind": "village", "post": "secretary",
        "village": str(v1), "start_date": "2020-06-01", "status": "active", "row_version": version,
    })
    assert resp.status_code == 302, resp.get_data(as_text=True)[-1500:]
    cadre = fetch(Cadre, c1)
    assert cadre.id_number == FULL_ID and cadre.phone == FULL_PHONE


def test_a_form_sent_back_with_errors_keeps_them_hidden(app, browser):
    c1, = ids(Cadre, "张一")
    b = browser(clerk_without(app, "nopersonal", "can_view_personal_data"))
    version = b.row_version("/cadreview/edit/%d" % c1)
    resp = b.post("/cadreview/edit/%d" % c1, {
        "name": "", "gender": "male", "id_number": "", "phone": "", "kind": "village", "post": "secretary",
        "village": str(fetch(Cadre, c1).village_id), "start_date": "2020-06-01", "status": "active",
        "row_version": version,
    })
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "alert-danger" in html  # the empty name
    assert FULL_ID not in html and FULL_PHONE not in html


def test_a_candidates_birth_date_is_masked_with_the_id(api, browser):
    from villageaid.models import ReserveCandidate, Village

    from .helpers import insert

    v1, = ids(Village, "甲村")
    pk = insert(ReserveCandidate(village_id=v1, name="隐私人选", gender="male", id_number="530428199003030030",
                                 birth_date=__import__("datetime").date(1990, 3, 3), education="bachelor",
                                 political_status="masses", background="other", target_post="member"))
    shown = api("inspector").get("/api/v1/reserve_candidate/%d" % pk).get_json()["result"]
    assert shown["id_number"] == "530428********0030" and shown["birth_date"] == "1990-**-**"
    csv_text = browser("inspector").get("/reservecandidateview/export/?_flt_0_name=隐私人选").get_data().decode("utf-8-sig")
    assert "1990-**-**" in csv_text and "1990-03-03" not in csv_text and "199003030030" not in csv_text
    assert api("office").get("/api/v1/reserve_candidate/%d" % pk).get_json()["result"]["birth_date"] == "1990-03-03"


def test_ordering_by_a_masked_column_is_ignored(browser):
    b = browser("inspector")
    # refused with a message, back on the list in its usual order; nothing exported
    resp = b.get("/cadreview/export/?_oc_CadreView=id_number&_od_CadreView=desc")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/cadreview/list/?_od_CadreView=desc")
    assert "不能按“id_number”排序" in b.get(resp.headers["Location"]).get_data(as_text=True)
    for column in ("village.name", "nonsense"):
        resp = b.get("/cadreview/list/?_oc_CadreView=%s&_od_CadreView=asc" % column)
        assert resp.status_code == 302
        assert b.get(resp.headers["Location"]).status_code == 200


@pytest.fixture
def two_candidates(app):
    from villageaid.models import ReserveCandidate, Village

    with database() as s:
        village = s.query(Village).filter_by(name="甲村").one()
        made = [ReserveCandidate(village=village, name=name, gender="male", birth_date=born, education="bachelor",
                                 political_status="masses", background="veteran", target_post="member")
                for name, born in (("早生", date(1971, 1, 1)), ("晚生", date(1991, 1, 1)))]
        s.add_all(made)
        s.commit()
        pks = [c.id for c in made]
    yield pks
    with database() as s:
        s.query(ReserveCandidate).filter(ReserveCandidate.id.in_(pks)).delete(synchronize_session=False)
        s.commit()


def _order(html):
    return [n for n in sorted(("早生", "晚生"), key=html.find) if n in html]


def test_no_ordering_or_filtering_by_masked_data(browser, api, two_candidates):
    """A user who sees birth dates masked cannot learn them by sorting or
    filtering: the list and the export refuse the ordering with a message
    (back to the list in its usual order), the API answers 400."""
    inspector = browser("inspector")
    for action in ("list", "export"):
        orders = {}
        for d in ("asc", "desc"):
            resp = inspector.get("/reservecandidateview/%s/?_oc_ReserveCandidateView=birth_date&_od_ReserveCandidateView=%s" % (action, d),
                                 follow_redirects=True)
            orders[d] = _order(resp.get_data(as_text=True))
        assert orders["asc"] == orders["desc"] and len(orders["asc"]) == 2, action
    # a filter on the masked column is left out (both rows still there)
    html = inspector.get("/reservecandidateview/list/?_flt_1_birth_date=1980-01-01", follow_redirects=True).get_data(as_text=True)
    assert len(_order(html)) == 2
    c = api("inspector")
    resp = c.get("/api/v1/reserve_candidate/?q=(order_column:birth_date,order_direction:asc)")
    assert resp.status_code == 400
    resp = c.get("/api/v1/reserve_candidate/?q=(filters:!((col:birth_date,opr:gt,value:'1980-01-01')))")
    assert resp.status_code == 400
    # the office, who sees them, may order by them
    office = browser("office")
    assert _order(office.get("/reservecandidateview/list/?_oc_ReserveCandidateView=birth_date&_od_ReserveCandidateView=desc").get_data(as_text=True)) == ["晚生", "早生"]
    assert api("office").get("/api/v1/reserve_candidate/?q=(order_column:birth_date,order_direction:asc)").status_code == 200


def test_user_picker_offers_only_assignable_accounts_to_who_assigns(browser):
    names = lambda resp: {r["text"].split(" ")[0] for r in resp.get_json()["results"]}  # noqa: E731
    office = names(browser("office").get("/villageaid/lookup/user?q="))
    assert {"clerk_town", "clerk_unit", "clerk_none"} <= office
    assert not office & {"admin", "office", "inspector"}  # they see every row: no scope to assign
    for role in ("inspector", "clerk_town"):
        assert names(browser(role).get("/villageaid/lookup/user?q=")) == set()
