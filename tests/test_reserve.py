"""Reserve cadres: eligibility at its boundaries, the rules on the form, the
below-target list and the summary against a fixture computed by hand."""
from datetime import date

import pytest

from villageaid.models import Cadre, ReserveCandidate, Village

from .helpers import count, database, fetch, ids

# Election date 2021-01-01 (default). Rules (default): secretary and 一肩挑 —
# age <= 50, at least senior high, full CPC member with >= 1 year standing;
# director — age <= 55, at least senior high; member — age <= 60.
CANDIDATES = {
    # name: (village, target, birth, education, political, join, status)
    "甲甲": ("甲村", "both", date(1970, 1, 2), "senior_high", "party_member", date(2019, 12, 31), "cultivating"),
    "甲乙": ("甲村", "secretary", date(1970, 1, 1), "bachelor", "party_member", date(2000, 1, 1), "identified"),
    "甲丙": ("甲村", "director", date(1985, 5, 5), "junior_or_below", "masses", None, "assessed"),
    "乙甲": ("乙村", "secretary", date(1990, 1, 1), "bachelor", "probationary", date(2020, 6, 1), "cultivating"),
    "乙乙": ("乙村", "both", date(1988, 3, 3), "junior_college", "party_member", date(2020, 1, 2), "withdrawn"),
    "丙甲": ("丙村", "member", date(1980, 7, 7), "senior_high", "masses", None, "withdrawn"),
    "丙乙": ("丙村", "both", date(1985, 9, 9), "bachelor", "party_member", date(2010, 1, 1), "not_elected"),
}
WITH_ISSUES = {"甲乙", "甲丙", "乙甲", "乙乙"}
NAMES = list(CANDIDATES)


@pytest.fixture(scope="module", autouse=True)
def candidates(app, snapshot):
    with database() as s:
        village = {v.name: v for v in s.query(Village)}
        made = []
        for name, (v, post, birth, edu, political, join, status) in CANDIDATES.items():
            c = ReserveCandidate(village=village[v], name=name, gender="female", ethnicity="hani", birth_date=birth,
                                 education=edu, political_status=political, party_join_date=join,
                                 background="returnee_entrepreneur" if v == "甲村" else "veteran",
                                 target_post=post, status=status)
            s.add(c)
            made.append(c)
        s.commit()
        made_ids = [c.id for c in made]
    snapshot.push()
    yield made_ids
    snapshot.pop()


def shown(html):
    return {n for n in NAMES if ">%s<" % n in html}


def test_eligibility_boundaries(api):
    rows = api("office").get("/api/v1/reserve_candidate/?q=(page_size:100)").get_json()["result"]
    issues = {r["name"]: r["eligibility_issues"] for r in rows if r["name"] in CANDIDATES}
    assert issues["甲甲"] == []  # exactly 50 on the election date; standing exactly one year
    assert issues["甲乙"] == ["选举日已超过年龄上限（50 岁）。"]
    assert issues["甲丙"] == ["学历低于最低要求（高中/中专）。"]
    assert issues["乙甲"] == ["该职位须为正式党员。"]  # a probationary member is not enough
    assert issues["乙乙"] == ["选举日党龄不足 1 年。"]  # one day short
    assert issues["丙甲"] == [] and issues["丙乙"] == []


def test_issue_filter_and_list_agree(browser):
    b = browser("office")
    assert shown(b.get("/reservecandidateview/list/?_flt_0_has_issues=y&psize_ReserveCandidateView=100").get_data(as_text=True)) == WITH_ISSUES
    assert shown(b.get("/reservecandidateview/list/?_flt_0_has_issues=n&psize_ReserveCandidateView=100").get_data(as_text=True)) == set(NAMES) - WITH_ISSUES
    html = b.get("/reservecandidateview/list/?psize_ReserveCandidateView=100").get_data(as_text=True)
    assert "选举日已超过年龄上限（50 岁）。" in html and "符合条件" in html
    rows = b.get("/reservecandidateview/export/?_flt_0_has_issues=y").get_data().decode("utf-8-sig").splitlines()
    header = rows[0].split(",")
    col = header.index("资格审查")
    exported = {line.split(",")[0]: line.split(",")[col] for line in rows[1:]}
    assert exported == {"甲乙": "选举日已超过年龄上限（50 岁）。", "甲丙": "学历低于最低要求（高中/中专）。",
                        "乙甲": "该职位须为正式党员。", "乙乙": "选举日党龄不足 1 年。"}


@pytest.mark.parametrize("user, expected", [
    ("office", {"乙村": (1, 0, 1, 1), "丙村": (0, 0, 2, 1)}),
    ("clerk_town", {}),
    ("clerk_unit", {"丙村": (0, 0, 2, 1)}),
    ("clerk_none", {}),
])
def test_villages_below_target(api, browser, user, expected):
    data = api(user).get("/api/v1/reserve/below_target").get_json()["villages"]
    got = {v["name"]: (v["candidate_count"], v["both_count"], v["missing_candidates"], v["missing_both"])
           for v in data if v["name"] in ("甲村", "乙村", "丙村")}
    assert got == expected
    html = browser(user).get("/belowtargetview/list/").get_data(as_text=True)
    assert {n for n in ("甲村", "乙村", "丙村") if ">%s<" % n in html} == set(expected)
    lines = browser(user).get("/belowtargetview/export/").get_data().decode("utf-8-sig").splitlines()
    exported = {line.split(",")[0]: line.split(",") for line in lines[1:]}
    for name, (total, both, missing, missing_both) in expected.items():
        row = exported[name]
        assert row[3] == str(total) and row[6] == str(both) and row[-2:] == [str(missing), str(missing_both)]


def table(data, key):
    return {row["label"]: row["values"] for row in next(t for t in data["tables"] if t["key"] == key)["rows"]}


def test_summary_for_the_office(api):
    data = api("office").get("/api/v1/reserve/summary").get_json()
    town = table(data, "town")
    # columns: identified, cultivating, assessed, elected, not elected, withdrawn, total
    assert town["甲镇 · 村党组织书记"] == [1, 0, 0, 0, 0, 0, 1]
    assert town["甲镇 · 村委会主任"] == [0, 0, 1, 0, 0, 0, 1]
    assert town["甲镇 · 书记、主任“一肩挑”"] == [0, 1, 0, 0, 0, 0, 1]
    assert town["乙乡 · 村党组织书记"] == [0, 1, 0, 0, 0, 0, 1]
    assert town["乙乡 · 书记、主任“一肩挑”"] == [0, 0, 0, 0, 1, 1, 2]
    assert town["乙乡 · 两委委员"] == [0, 0, 0, 0, 0, 1, 1]
    assert town["合计"] == [1, 2, 1, 0, 1, 2, 7]
    education = table(data, "education")
    # columns: secretary, director, both, member, total
    assert education["高中/中专"] == [0, 0, 1, 1, 2]
    assert education["本科"] == [2, 0, 1, 0, 3]
    assert education["初中及以下"] == [0, 1, 0, 0, 1]
    assert education["大专"] == [0, 0, 1, 0, 1]
    age = table(data, "age")
    assert age["35 岁以下"] == [1, 0, 1, 0, 2]
    assert age["35—45 岁"] == [0, 1, 1, 1, 3]
    assert age["45 岁以上"] == [1, 0, 1, 0, 2]
    background = table(data, "background")
    assert background["返乡创业人员"] == [1, 1, 1, 0, 3] and background["退役军人"] == [1, 0, 2, 1, 4]


def test_summary_for_a_clerk(api, browser):
    data = api("clerk_town").get("/api/v1/reserve/summary").get_json()
    assert table(data, "town")["合计"] == [1, 1, 1, 0, 0, 0, 3]
    assert "乙乡 · 村党组织书记" not in table(data, "town")
    assert table(data, "unit")["一局 · 村委会主任"] == [0, 0, 1, 0, 0, 0, 1]
    html = browser("clerk_town").get("/villageaid/reserve/summary/").get_data(as_text=True)
    assert "甲镇 · 村党组织书记" in html and "乙乡" not in html


def candidate_form(**over):
    v1, = ids(Village, "甲村")
    form = {"village": str(v1), "name": "新后备", "gender": "male", "education": "bachelor",
            "political_status": "party_member", "background": "graduate", "target_post": "both",
            "status": "identified", "id_number": "530428198808080014"}
    form.update(over)
    return form


def test_birth_date_is_derived_or_checked(browser):
    b = browser("clerk_town")
    resp = b.post("/reservecandidateview/add", candidate_form(birth_date="1988-08-09"))
    assert "出生日期与身份证号中的出生日期（1988-08-08）不一致" in resp.get_data(as_text=True)
    assert count(ReserveCandidate, ReserveCandidate.name == "新后备") == 0
    resp = b.post("/reservecandidateview/add", candidate_form())
    assert resp.status_code == 302
    pk, = ids(ReserveCandidate, "新后备")
    assert fetch(ReserveCandidate, pk).birth_date == date(1988, 8, 8)
    # the same person twice in a village: refused; in another village: allowed
    resp = b.post("/reservecandidateview/add", candidate_form(name="新后备二"))
    assert "该人员已是本村后备人选" in resp.get_data(as_text=True)
    resp = b.post("/reservecandidateview/add", candidate_form(name="无证件", id_number="", birth_date=""))
    assert "请填写身份证号或出生日期" in resp.get_data(as_text=True)


@pytest.mark.parametrize("over, message", [
    ({"political_status": "masses", "party_join_date": "2015-01-01"}, "只有党员或预备党员才有入党日期"),
    ({"party_join_date": "2005-01-01"}, "入党日期应在年满 18 周岁之后"),
    ({"party_join_date": "2999-01-01"}, "日期不能晚于今天"),
    ({"status": "elected"}, "请填写当选职务"),
    ({"elected_post": "director"}, "当选职务和日期仅用于“当选”状态"),
    ({"education": "phd"}, "选择无效"),
])
def test_candidate_rules_refuse_with_a_message(browser, over, message):
    resp = browser("office").post("/reservecandidateview/add", candidate_form(**over))
    assert message in resp.get_data(as_text=True)
    assert count(ReserveCandidate, ReserveCandidate.name == "新后备") == 0


def test_mentor_choices_obey_scope(browser):
    foreign, mine = ids(Cadre, "李二", "张一")
    b = browser("clerk_town")
    resp = b.post("/reservecandidateview/add", candidate_form(mentor=str(foreign)))
    assert "选择无效" in resp.get_data(as_text=True)
    assert count(ReserveCandidate, ReserveCandidate.name == "新后备") == 0
    looked_up = b.get("/villageaid/lookup/cadre?q=").get_json()["results"]
    assert {r["text"] for r in looked_up} <= {"张一", "赵四"}
    resp = b.post("/reservecandidateview/add", candidate_form(mentor=str(mine)))
    assert resp.status_code == 302


def test_candidates_are_scoped(browser, api):
    assert shown(browser("clerk_town").get("/reservecandidateview/list/").get_data(as_text=True)) == {"甲甲", "甲乙", "甲丙"}
    b_id, = ids(ReserveCandidate, "乙甲")
    assert browser("clerk_town").get("/reservecandidateview/show/%d" % b_id).status_code == 404
    c = api("clerk_town")
    assert c.get("/api/v1/reserve_candidate/%d" % b_id).status_code == 404
    v2, = ids(Village, "乙村")
    resp = c.post("/api/v1/reserve_candidate/", json={"village": v2, "name": "越权", "gender": "male", "education": "bachelor",
                                                        "political_status": "masses", "background": "other",
                                                        "target_post": "member", "birth_date": "1990-01-01"})
    assert resp.status_code == 422
    assert count(ReserveCandidate, ReserveCandidate.name == "越权") == 0


@pytest.mark.parametrize("user, total", [
    ("office", [1, 2, 1, 0, 1, 2, 7]),
    ("clerk_town", [1, 1, 1, 0, 0, 0, 3]),
    ("clerk_unit", [1, 1, 1, 0, 1, 1, 5]),
    ("clerk_none", [0, 0, 0, 0, 0, 0, 0]),
])
def test_summary_totals_per_role(api, user, total):
    data = api(user).get("/api/v1/reserve/summary").get_json()
    assert table(data, "town")["合计"] == total
    assert sum(table(data, "age")["合计"][:-1]) == total[-1]
