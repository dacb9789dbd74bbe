"""The gender is the one in the ID number (GB 11643: the 17th digit is odd
for a man): taken from it when left empty, and a contradicting value is
refused with a message — on the web form and in the API alike."""
from villageaid.models import Cadre, ReserveCandidate, Village

from .helpers import count, database, ids
from .test_crud_validation import cadre_form, errors

MAN = "530428198808080014"     # 17th digit 1
WOMAN = "530428199001010028"   # 17th digit 2


def stored_gender(model, name):
    with database() as s:
        return s.query(model.gender).filter(model.name == name).scalar()


def test_an_empty_gender_is_taken_from_the_id_number(browser):
    b = browser("office")
    assert b.post("/cadreview/add", cadre_form(name="男填", gender="", id_number=MAN)).status_code == 302
    assert b.post("/cadreview/add", cadre_form(name="女填", gender="", id_number=WOMAN)).status_code == 302
    assert stored_gender(Cadre, "男填") == "male"
    assert stored_gender(Cadre, "女填") == "female"


def test_the_form_says_the_gender_may_be_left_empty(browser):
    html = browser("office").get("/cadreview/add").get_data(as_text=True)
    assert "不填则按身份证号确定。" in html


def test_a_contradicting_gender_is_refused_on_the_form(browser):
    resp = browser("office").post("/cadreview/add", cadre_form(name="矛盾", gender="female", id_number=MAN))
    assert resp.status_code == 200
    assert "性别与身份证号中的性别（男）不符。" in errors(resp.get_data(as_text=True))
    assert count(Cadre, Cadre.name == "矛盾") == 0
    resp = browser("office", "en").post("/cadreview/add", cadre_form(name="矛盾", gender="male", id_number=WOMAN))
    assert "The gender does not match the one in the ID number (Female)." in errors(resp.get_data(as_text=True))
    assert count(Cadre, Cadre.name == "矛盾") == 0




def api_cadre(name, id_number, **over):
    v1, = ids(Village, "甲村")
    body = {"name": name, "id_number": id_number, "kind": "village", "post": "committee_member",
            "village": v1, "start_date": "2021-03-01", "status": "active"}
    body.update(over)
    return body


def test_the_api_takes_the_gender_from_the_id_number_and_refuses_a_contradiction(api):
    office = api("office")
    assert office.post("/api/v1/cadre/", json=api_cadre("接口女", WOMAN)).status_code == 201
    assert stored_gender(Cadre, "接口女") == "female"
    resp = office.post("/api/v1/cadre/", json=api_cadre("接口矛盾", WOMAN, gender="male"))
    assert resp.status_code == 422
    assert resp.get_json()["message"] == {"gender": "性别与身份证号中的性别（女）不符。"}
    assert count(Cadre, Cadre.name == "接口矛盾") == 0
    # a change of gender alone that contradicts the recorded number is refused too
    (pk,) = ids(Cadre, "接口女")
    version = office.get("/api/v1/cadre/%d" % pk).get_json()["result"]["row_version"]
    resp = office.put("/api/v1/cadre/%d" % pk, json={"gender": "male", "row_version": version})
    assert resp.status_code == 422 and "gender" in resp.get_json()["message"]
    assert stored_gender(Cadre, "接口女") == "female"


def test_a_candidate_gender_follows_the_id_number(api):
    v1, = ids(Village, "甲村")
    body = {"village": v1, "name": "候选男", "id_number": MAN, "education": "bachelor",
            "political_status": "party_member", "background": "veteran", "target_post": "both",
            "status": "identified", "ethnicity": "han"}
    office = api("office")
    resp = office.post("/api/v1/reserve_candidate/", json=body)
    assert resp.status_code == 201, resp.get_json()
    assert stored_gender(ReserveCandidate, "候选男") == "male"
    resp = office.post("/api/v1/reserve_candidate/", json=dict(body, name="候选矛盾", gender="female",
                                                               id_number="530428198909090019"))
    assert resp.status_code == 422 and "gender" in resp.get_json()["message"]
    # without an ID number (a candidate may have only a birth date) the gender is needed
    resp = office.post("/api/v1/reserve_candidate/", json=dict(body, name="无号", id_number=None, birth_date="1990-01-01"))
    assert resp.status_code == 422
    assert resp.get_json()["message"] == {"gender": "请填写身份证号或性别。"}
    # without an ID number (a candidate may have only a birth date) the gender is needed
    resp = office.post("/api/v1/reserve_candidate/", json=dict(body, name="无号", id_number=None, birth_date="1990-01-01"))
    assert resp.status_code == 422
    assert resp.get_json()["message"] == {"gender": "请填写身份证号或性别。"}
