"""Values from the edges of Unicode and of floating point: ID numbers written
with other digits, and amounts that are no finite two-decimal number. Each
is normalised or refused with a translated message, on the web form and the
API alike, and nothing is saved."""
import pytest

from villageaid.models import Cadre, FollowUpRecord, Village

from .helpers import ID_NUMBERS, count, database, ids
from .test_crud_validation import cadre_form, errors

NEW_ID = "530428198808080014"
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")

NORMALISED = [
    NEW_ID.translate(FULLWIDTH),
    NEW_ID.translate(SUPERSCRIPT),
    NEW_ID[:6].translate(FULLWIDTH) + NEW_ID[6:],
    " ".join([NEW_ID[:6], NEW_ID[6:14], NEW_ID[14:]]).translate(FULLWIDTH).replace(" ", "\u3000"),
]
REFUSED = [
    NEW_ID.translate(ARABIC_INDIC),
    NEW_ID.translate(DEVANAGARI),
    NEW_ID[:17] + "٤",
    NEW_ID[:10] + "¹" + NEW_ID[11:17] + "٤",
]
ONLY_DIGITS_ZH = "身份证号只能由数字 0–9 和末位的 X 组成"


def stored_id(name):
    with database() as s:
        return s.query(Cadre.id_number).filter(Cadre.name == name).scalar()


@pytest.mark.parametrize("typed", NORMALISED)
def test_web_form_stores_the_ascii_form(browser, typed):
    resp = browser("office").post("/cadreview/add", cadre_form(name="全角", id_number=typed))
    assert resp.status_code == 302, errors(resp.get_data(as_text=True))
    assert stored_id("全角") == NEW_ID


@pytest.mark.parametrize("typed", REFUSED)
def test_web_form_refuses_other_digits(browser, typed):
    before = count(Cadre)
    resp = browser("office").post("/cadreview/add", cadre_form(name="异体", id_number=typed))
    assert resp.status_code == 200
    assert ONLY_DIGITS_ZH in resp.get_data(as_text=True)
    assert count(Cadre) == before


def test_uniqueness_sees_through_other_digits(browser, api):
    taken = ID_NUMBERS["张一"]
    for typed in (taken.translate(FULLWIDTH), taken.translate(SUPERSCRIPT)):
        resp = browser("office").post("/cadreview/add", cadre_form(name="重复", id_number=typed))
        assert "该值已被其他记录使用" in resp.get_data(as_text=True) or "already" in resp.get_data(as_text=True)
        resp = api("office").post("/api/v1/cadre/", json=api_cadre(taken.translate(FULLWIDTH)))
        assert resp.status_code == 422 and "id_number" in resp.get_json()["message"]
    assert stored_id("重复") is None


def api_cadre(id_number, name="接口"):
    v1, = ids(Village, "甲村")
    return {"name": name, "gender": "male", "id_number": id_number, "phone": "13700001111", "kind": "village",
            "post": "committee_member", "village": v1, "start_date": "2021-03-01", "status": "active"}


@pytest.mark.parametrize("typed", NORMALISED[:2])
def test_api_stores_the_ascii_form(api, typed):
    resp = api("office").post("/api/v1/cadre/", json=api_cadre(typed))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["result"]["id_number"] == NEW_ID == stored_id("接口")


@pytest.mark.parametrize("typed", REFUSED)
def test_api_refuses_other_digits(api, typed):
    before = count(Cadre)
    resp = api("office").post("/api/v1/cadre/", json=api_cadre(typed))
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert resp.get_json()["message"]["id_number"] == ONLY_DIGITS_ZH + "。"
    assert count(Cadre) == before


# --- money -------------------------------------------------------------------------

BAD_AMOUNTS = ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", "1e30", "1e309", "1e300", "-1e300",
               "10000000000", "1e10", "99999999999.99", "1E-7", "0.0000001", "12.3456789"]
# 万元, exact to the fen: six decimals at most (0.001 万元 is 10 yuan)
GOOD_AMOUNTS = [("1e2", "100.00"), ("12.3", "12.30"), ("0", "0.00"), ("9999999999.99", "9999999999.99"),
                ("1.50E+1", "15.00"), ("0.001", "0.001000"), ("12.345", "12.345000"), ("1E-6", "0.000001")]


def record_form(**over):
    v, = ids(Village, "甲村")
    form = {"village": str(v), "date": "2021-06-01", "kind": "funds", "households_visited": "3",
            "rectification": "none"}
    form.update(over)
    return form


def money_refusal(text):
    return any(m in text for m in ("金额过大", "金额精确到分", "不是有效的金额", "金额不能为负"))


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_web_form_refuses_amounts_that_are_not_finite_exact_to_the_fen(browser, amount):
    before = count(FollowUpRecord)
    resp = browser("office").post("/followuprecordview/add", record_form(funds=amount))
    assert resp.status_code == 200
    assert money_refusal(resp.get_data(as_text=True)), errors(resp.get_data(as_text=True))
    assert count(FollowUpRecord) == before


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_api_refuses_amounts_that_are_not_finite_exact_to_the_fen(api, amount):
    before = count(FollowUpRecord)
    v, = ids(Village, "甲村")
    c = api("office")
    for funds in (amount, _as_json_number(amount)):
        if funds is None:
            continue
        resp = c.post("/api/v1/followup_record/", json={"village": v, "date": "2021-06-01", "kind": "funds",
                                                         "funds": funds, "rectification": "none"})
        assert resp.status_code in (400, 422), (funds, resp.status_code, resp.get_data(as_text=True)[:300])
        message = resp.get_json()["message"]
        assert money_refusal(str(message["funds"])), message
    assert count(FollowUpRecord) == before


def _as_json_number(text):
    """The amount as a JSON number too, where JSON can carry it."""
    try:
        number = float(text)
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return number


@pytest.mark.parametrize("amount, stored", GOOD_AMOUNTS)
def test_good_amounts_are_kept_exactly(browser, api, amount, stored):
    resp = browser("office").post("/followuprecordview/add", record_form(funds=amount, date="2021-06-02"))
    assert resp.status_code == 302, errors(resp.get_data(as_text=True))
    v, = ids(Village, "甲村")
    resp = api("office").post("/api/v1/followup_record/", json={"village": v, "date": "2021-06-03", "kind": "funds",
                                                                 "funds": amount, "rectification": "none"})
    assert resp.status_code == 201, resp.get_json()
    with database() as s:
        kept = [str(f) for f, in s.query(FollowUpRecord.funds).filter(FollowUpRecord.village_id == v)]
    assert kept == [stored, stored]
