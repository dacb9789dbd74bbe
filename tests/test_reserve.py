"""Reserve cadres: eligibility at its boundaries, the rules on the form, the
maintained eligible-only targets, the below-target list, the summary, the
village's two committees, the 一肩挑 gaps and the post-election report,
against a fixture computed by hand."""
import re
from datetime import date

import pytest
from stdnum.cn import ric

from villageaid import reserve
from villageaid.models import Cadre, ReserveCandidate, Village

from .helpers import count, database, fetch, ids

# Election date 2021-01-01 (default). Rules (default): secretary and 一肩挑 —
# age <= 50, at least senior high, full CPC member with >= 1 year standing;
# director — age <= 55, at least senior high; member — age <= 60.
# Active (counted when eligible): identified, cultivating, assessed.
CANDIDATES = {
    # name: (village, target, birth, education, political, join, status)
    "甲甲": ("甲村", "both", date(1970, 1, 2), "senior_high", "party_member", date(2019, 12, 31), "cultivating"),
    "甲乙": ("甲村", "secretary", date(1970, 1, 1), "bachelor", "party_member", date(2000, 1, 1), "identified"),
    "甲丙": ("甲村", "director", date(1985, 5, 5), "junior_or_below", "masses", None, "assessed"),
    "乙甲": ("乙村", "secretary", date(1990, 1, 1), "bachelor", "probationary", date(2020, 6, 1), "cultivating"),
    "乙乙": ("乙村", "both", date(1988, 3, 3), "junior_college", "party_member", date(2020, 1, 2), "withdrawn"),
    "丙甲": ("丙村", "member", date(1980, 7, 7), "senior_high", "masses", None, "withdrawn"),
    "丙乙": ("丙村", "both", date(1985, 9, 9), "bachelor", "party_member", date(2010, 1, 1), "not_elected"),
    # after the election (eligible; an elected one has left the reserve)
    "甲丁": ("甲村", "director", date(1985, 5, 5), "bachelor", "masses", None, "elected"),
    "乙丙": ("乙村", "both", date(1980, 3, 3), "bachelor", "party_member", date(2005, 7, 1), "elected"),
}
WITH_ISSUES = {"甲乙", "甲丙", "乙甲", "乙乙"}
NAMES = list(CANDIDATES)
ELECTED_ON = date(2021, 1, 8)
# Eligible active candidates: 甲村 甲甲 (一肩挑) only — 甲乙 and 甲丙 fail a
# rule, so 甲村 (3 active candidates) stays below the target of 2.
# 乙村: 乙甲 fails; 丙村: none active.

# The village cadres' qualifications (张一: born 1980-01-01; 钱五: 1975-05-05)
QUALIFICATIONS = {
    "张一": ("bachelor", "party_member", date(2000, 1, 1)),  # 甲村 secretary: eligible for both
    "钱五": (None, None, None),  # 丙村 director: unknown
}


def id_number(birth, seq):
    body = "530428" + birth.strftime("%Y%m%d") + "%03d" % seq
    return body + ric.calc_check_digit(body + "0")


# The new committees (started after the election date):
# name: (village, post, gender, birth, education, political, join)
NEW_CADRES = {
    "孙六": ("甲村", "director", "male", date(1990, 6, 6), "senior_high", "masses", None),
    "吴八": ("甲村", "committee_member", "female", date(1960, 6, 6), "junior_or_below", "masses", None),
    "周七": ("乙村", "secretary_director", "female", date(1982, 2, 2), "bachelor", "party_member", date(2005, 7, 1)),
}


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
            if status == "elected":
                c.elected_post, c.elected_date = post, ELECTED_ON
            s.add(c)
            made.append(c)
        for cadre in s.query(Cadre).filter(Cadre.name.in_(QUALIFICATIONS)):
            cadre.education, cadre.political_status, cadre.party_join_date = QUALIFICATIONS[cadre.name]
        for n, (name, (v, post, gender, birth, edu, political, join)) in enumerate(NEW_CADRES.items()):
            s.add(Cadre(name=name, gender=gender, id_number=id_number(birth, 2 * n + (1 if gender == "male" else 0)),
                        kind="village", post=post, village=village[v], start_date=date(2021, 1, 10),
                        status="active", education=edu, political_status=political, party_join_date=join))
        s.flush()
        reserve.recount(session=s)  # rows added here, not through the write path
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


# (eligible, all active, eligible 一肩挑, all 一肩挑, missing, missing 一肩挑)
BELOW = {"甲村": (1, 3, 1, 1, 1, 0), "乙村": (0, 1, 0, 0, 2, 1), "丙村": (0, 0, 0, 0, 2, 1)}


@pytest.mark.parametrize("user, expected", [
    ("office", {"甲村", "乙村", "丙村"}),
    ("clerk_town", {"甲村"}),
    ("clerk_unit", {"甲村", "丙村"}),
    ("clerk_none", set()),
])
def test_villages_below_target(api, browser, user, expected):
    data = api(user).get("/api/v1/reserve/below_target").get_json()["villages"]
    got = {v["name"]: (v["candidate_count"], v["candidate_all"], v["both_count"], v["both_all"],
                       v["missing_candidates"], v["missing_both"])
           for v in data if v["name"] in ("甲村", "乙村", "丙村")}
    assert got == {name: BELOW[name] for name in expected}
    html = browser(user).get("/belowtargetview/list/").get_data(as_text=True)
    assert {n for n in ("甲村", "乙村", "丙村") if ">%s<" % n in html} == expected
    lines = browser(user).get("/belowtargetview/export/").get_data().decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert header[3:5] == ["符合条件人选", "全部人选"]
    exported = {line.split(",")[0]: line.split(",") for line in lines[1:]}
    assert set(exported) == expected
    for name in expected:
        eligible, everyone, both, both_all, missing, missing_both = BELOW[name]
        row = exported[name]
        assert row[3:5] == [str(eligible), str(everyone)] and row[9:11] == [str(both), str(both_all)]
        assert row[-2:] == [str(missing), str(missing_both)]


def below(user="office"):
    data = api_client(user).get("/api/v1/reserve/below_target").get_json()["villages"]
    return {v["name"]: (v["candidate_count"], v["missing_candidates"]) for v in data}


def api_client(user):
    from .helpers import Api, _APP
    return Api(_APP[0], user)


def test_counts_follow_writes_deletes_and_restores(browser):
    """An eligible candidate lifts 甲村 to the target; deleting it puts the
    village back below; restoring it lifts it again. An ineligible one
    never does."""
    b = browser("clerk_town")
    assert below("clerk_town") == {"甲村": (1, 1)}
    resp = b.post("/reservecandidateview/add", candidate_form(name="不合格", target_post="secretary",
                                                                 education="junior_or_below"))
    assert resp.status_code == 302
    assert below("clerk_town") == {"甲村": (1, 1)}  # fails a rule: does not count
    resp = b.post("/reservecandidateview/add", candidate_form(name="合格", target_post="director",
                                                                 political_status="masses",
                                                                 id_number="530428198808080030"))
    assert resp.status_code == 302
    assert below("clerk_town") == {}
    pk, = ids(ReserveCandidate, "合格")
    assert fetch(Village, ids(Village, "甲村")[0]).candidate_count == 2
    b.post("/reservecandidateview/delete/%d" % pk, {}, token_from="/reservecandidateview/show/%d" % pk)
    assert below("clerk_town") == {"甲村": (1, 1)}
    b.post("/villageaid/bin/candidate/%d/restore" % pk, {}, token_from="/villageaid/bin/candidate/")
    assert below("clerk_town") == {}
    # an edit that breaks a rule: below again
    c = api_client("clerk_town")
    version = c.get("/api/v1/reserve_candidate/%d" % pk).get_json()["result"]["row_version"]
    resp = c.put("/api/v1/reserve_candidate/%d" % pk, json={"education": "junior_or_below", "row_version": version})
    assert resp.status_code == 200
    assert below("clerk_town") == {"甲村": (1, 1)}


def test_recount_follows_the_rules_in_force(app):
    """The settings change: recount() counts under the new rules."""
    v1, = ids(Village, "甲村")
    stamp = fetch(Village, v1).changed_on, fetch(Village, v1).changed_by_fk
    rules = app.config.get("VILLAGEAID_ELIGIBILITY")
    try:
        with app.app_context():
            loose = {post: {"max_age": 99} for post in ("secretary", "director", "both", "member")}
            app.config["VILLAGEAID_ELIGIBILITY"] = loose
            reserve.recount([v1])
            app.extensions["sqlalchemy"].session.commit()
        assert fetch(Village, v1).candidate_count == 3
        assert (fetch(Village, v1).changed_on, fetch(Village, v1).changed_by_fk) == stamp  # figures, not an edit
    finally:
        with app.app_context():
            if rules is None:
                app.config.pop("VILLAGEAID_ELIGIBILITY", None)
            else:
                app.config["VILLAGEAID_ELIGIBILITY"] = rules
            reserve.recount()
            app.extensions["sqlalchemy"].session.commit()
    assert fetch(Village, v1).candidate_count == 1


def table(data, key):
    return {row["label"]: row["values"] for row in next(t for t in data["tables"] if t["key"] == key)["rows"]}


def test_summary_for_the_office(api):
    data = api("office").get("/api/v1/reserve/summary").get_json()
    town = table(data, "town")
    # columns: identified, cultivating, assessed, elected, total, eligible
    # (withdrawn and not elected left out)
    assert town["甲镇 · 村党组织书记"] == [1, 0, 0, 0, 1, 0]
    assert town["甲镇 · 村委会主任"] == [0, 0, 1, 1, 2, 1]
    assert town["甲镇 · 书记、主任“一肩挑”"] == [0, 1, 0, 0, 1, 1]
    assert town["乙乡 · 村党组织书记"] == [0, 1, 0, 0, 1, 0]
    assert town["乙乡 · 书记、主任“一肩挑”"] == [0, 0, 0, 1, 1, 1]
    assert "乙乡 · 两委委员" not in town
    assert town["合计"] == [1, 2, 1, 2, 6, 3]
    education = table(data, "education")
    # columns: secretary, director, both, member, total
    assert education["高中/中专"] == [0, 0, 1, 0, 1]
    assert education["本科"] == [2, 1, 1, 0, 4]
    assert education["初中及以下"] == [0, 1, 0, 0, 1]
    assert "大专" not in education
    age = table(data, "age")
    assert age["35 岁以下"] == [1, 0, 0, 0, 1]
    assert age["35—45 岁"] == [0, 2, 1, 0, 3]
    assert age["45 岁以上"] == [1, 0, 1, 0, 2]
    background = table(data, "background")
    assert background["返乡创业人员"] == [1, 2, 1, 0, 4] and background["退役军人"] == [1, 0, 1, 0, 2]


def test_summary_with_withdrawn_and_not_elected(api, browser):
    data = api("office").get("/api/v1/reserve/summary?closed=1").get_json()
    town = table(data, "town")
    # columns: identified, cultivating, assessed, elected, not elected, withdrawn, total, eligible
    assert town["乙乡 · 书记、主任“一肩挑”"] == [0, 0, 0, 1, 1, 1, 3, 2]
    assert town["乙乡 · 两委委员"] == [0, 0, 0, 0, 0, 1, 1, 1]
    assert town["合计"] == [1, 2, 1, 2, 1, 2, 9, 5]
    assert api("office").get("/api/v1/reserve/summary?closed=x").status_code == 400
    assert browser("office").get("/villageaid/reserve/summary/?closed=x").status_code == 400
    lines = browser("office").get("/villageaid/reserve/summary/export/?closed=1").get_data().decode("utf-8-sig").splitlines()
    assert lines[-1].split(",") == ["合计", "1", "2", "1", "2", "1", "2", "9", "5"]


def test_summary_for_a_clerk(api, browser):
    data = api("clerk_town").get("/api/v1/reserve/summary").get_json()
    assert table(data, "town")["合计"] == [1, 1, 1, 1, 4, 2]
    assert "乙乡 · 村党组织书记" not in table(data, "town")
    assert table(data, "unit")["一局 · 村委会主任"] == [0, 0, 1, 1, 2, 1]
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
    assert {r["text"] for r in looked_up} <= {"张一", "赵四", "孙六", "吴八"}
    resp = b.post("/reservecandidateview/add", candidate_form(mentor=str(mine)))
    assert resp.status_code == 302


def test_candidates_are_scoped(browser, api):
    assert shown(browser("clerk_town").get("/reservecandidateview/list/").get_data(as_text=True)) == {"甲甲", "甲乙", "甲丙", "甲丁"}
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
    ("office", [1, 2, 1, 2, 6, 3]),
    ("clerk_town", [1, 1, 1, 1, 4, 2]),
    ("clerk_unit", [1, 1, 1, 1, 4, 2]),
    ("clerk_none", [0, 0, 0, 0, 0, 0]),
])
def test_summary_totals_per_role(api, user, total):
    data = api(user).get("/api/v1/reserve/summary").get_json()
    assert table(data, "town")["合计"] == total
    assert sum(table(data, "age")["合计"][:-1]) == total[-2]


# --- warnings on save -------------------------------------------------------------------


def test_saving_a_failing_candidate_warns_on_its_page(browser):
    b = browser("clerk_town")
    resp = b.post("/reservecandidateview/add", candidate_form(name="警示", education="junior_or_below"))
    pk, = ids(ReserveCandidate, "警示")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/reservecandidateview/show/%d" % pk)
    html = b.get(resp.headers["Location"]).get_data(as_text=True)
    warning = re.search(r'alert-warning.*?</div>', html, re.S).group(0)
    assert "警示" in warning and "学历低于最低要求（高中/中专）。" in warning and "入党日期不详" in warning
    # an edit that still fails warns again; one that meets every rule does not
    edit = "/reservecandidateview/edit/%d" % pk
    form = candidate_form(name="警示", education="bachelor", political_status="masses", target_post="director",
                          row_version=b.row_version(edit))
    resp = b.post(edit, form)
    assert resp.status_code == 302
    assert "alert-warning" not in b.get("/reservecandidateview/show/%d" % pk).get_data(as_text=True)


def test_saving_a_failing_candidate_warns_in_the_api(api):
    c = api("clerk_unit")
    v3, = ids(Village, "丙村")
    resp = c.post("/api/v1/reserve_candidate/", json={
        "village": v3, "name": "接口警示", "gender": "male", "education": "junior_or_below",
        "political_status": "masses", "background": "other", "target_post": "secretary", "birth_date": "1975-01-01"})
    assert resp.status_code == 201
    assert resp.get_json()["warnings"] == ["学历低于最低要求（高中/中专）。", "该职位须为正式党员。"]
    pk = resp.get_json()["id"]
    version = c.get("/api/v1/reserve_candidate/%d" % pk).get_json()["result"]["row_version"]
    resp = c.put("/api/v1/reserve_candidate/%d" % pk, json={"target_post": "member", "row_version": version})
    assert resp.status_code == 200 and resp.get_json()["warnings"] == []


# --- the two committees today ---------------------------------------------------------------


def committees(html):
    """{name: [verdicts]} of the holders and of the candidates in the village
    page's two-committee section, and whether it says 一肩挑."""
    tab = re.search(r'<div class="va-file-section" id="file-committees">.*?<div class="va-file-section"', html,
                    re.S).group(0)
    people = {}
    for part in ("holders", "candidates"):
        body = re.search(r'id="%s".*?</table>' % part, tab, re.S).group(0)
        for row in re.findall(r"<tr>.*?</tr>", body, re.S):
            name = re.search(r'show/\d+">([^<]+)</a>', row)
            if name:
                people[name.group(1)] = re.findall(r"va-verdict-(\w+)", row)
    one = re.search(r'<p id="one-shoulder">\s*<strong>', tab) is not None
    gap = [int(n) for n in re.findall(r"<strong>(\d+)</strong>", re.search(r'id="reserve-gap".*?</p>', tab, re.S).group(0))]
    return people, one, gap


@pytest.mark.parametrize("village, people, one, gap", [
    # 张一 (secretary) eligible for his post and for 一肩挑; 孙六 (director) for his
    # post only (not a party member); candidates judged on their own track
    ("甲村", {"张一": ["eligible", "eligible"], "孙六": ["eligible", "ineligible"],
             "甲甲": ["eligible"], "甲乙": ["ineligible"], "甲丙": ["ineligible"]}, False, [1, 0]),
    # 周七 holds both posts: already 一肩挑
    ("乙村", {"周七": ["eligible", "eligible"], "乙甲": ["ineligible"]}, True, [2, 1]),
    # 钱五: no education or political status recorded — unknown, not a failure
    ("丙村", {"钱五": ["unknown", "unknown"]}, False, [2, 1]),
])
def test_village_page_shows_the_two_committees(browser, village, people, one, gap):
    pk, = ids(Village, village)
    html = browser("office").get("/villageview/show/%d" % pk).get_data(as_text=True)
    assert committees(html) == (people, one, gap)


def test_village_page_is_scoped(browser):
    v1, v2, v3 = ids(Village, "甲村", "乙村", "丙村")
    b = browser("clerk_unit")
    assert b.get("/villageview/show/%d" % v2).status_code == 404
    people, one, gap = committees(b.get("/villageview/show/%d" % v3).get_data(as_text=True))
    assert people == {"钱五": ["unknown", "unknown"]}
    assert browser("clerk_town").get("/villageview/show/%d" % v3).status_code == 404
    assert set(committees(browser("clerk_town").get("/villageview/show/%d" % v1).get_data(as_text=True))[0]) == {
        "张一", "孙六", "甲甲", "甲乙", "甲丙"}


def test_cadre_qualifications_through_the_api(api):
    c = api("clerk_unit")
    pk, = ids(Cadre, "钱五")
    row = c.get("/api/v1/cadre/%d" % pk).get_json()["result"]
    assert (row["education"], row["political_status"], row["party_join_date"]) == (None, None, None)
    resp = c.put("/api/v1/cadre/%d" % pk, json={"education": "senior_high", "political_status": "masses",
                                                 "party_join_date": "2000-01-01", "row_version": row["row_version"]})
    assert resp.status_code == 422  # a join date only for a party member
    resp = c.put("/api/v1/cadre/%d" % pk, json={"education": "senior_high", "political_status": "masses",
                                                 "row_version": row["row_version"]})
    assert resp.status_code == 200
    assert fetch(Cadre, pk).education == "senior_high"
    assert api("clerk_town").put("/api/v1/cadre/%d" % pk, json={"education": "bachelor", "row_version": 1}).status_code == 404


@pytest.mark.parametrize("user, expected", [
    # 甲村 has an eligible 一肩挑 candidate (and 张一); 乙村 has 周七; 丙村 nobody
    ("office", {"丙村"}), ("clerk_town", set()), ("clerk_unit", {"丙村"}), ("clerk_none", set()),
])
def test_villages_without_a_one_shoulder_prospect(browser, user, expected):
    b = browser(user)
    html = b.get("/nooneshoulderview/list/").get_data(as_text=True)
    assert {n for n in ("甲村", "乙村", "丙村") if ">%s<" % n in html} == expected
    lines = b.get("/nooneshoulderview/export/").get_data().decode("utf-8-sig").splitlines()
    assert {line.split(",")[0] for line in lines[1:]} == expected
    v3, = ids(Village, "丙村")
    assert b.get("/nooneshoulderview/show/%d" % v3).status_code == (200 if expected else 404)


def test_a_qualifying_holder_takes_a_village_off_the_list(api, browser):
    pk, = ids(Cadre, "钱五")
    c = api("office")
    version = c.get("/api/v1/cadre/%d" % pk).get_json()["result"]["row_version"]
    assert c.put("/api/v1/cadre/%d" % pk, json={"education": "bachelor", "political_status": "party_member",
                                                 "party_join_date": "2001-01-01", "row_version": version}).status_code == 200
    assert ">丙村<" not in browser("office").get("/nooneshoulderview/list/").get_data(as_text=True)


# --- after the election ----------------------------------------------------------------------

# columns: villages with a new committee, members, posts to reserve candidates
# (secretary, director, both, member), their total, share of posts (%), under
# 35, 35–45, over 45, junior college or above, education unknown, women,
# share of women (%), 一肩挑 villages, share of 一肩挑 (%)
JIA = [1, 2, 0, 1, 0, 0, 1, 50.0, 1, 0, 1, 0, 0, 1, 50.0, 0, 0.0]
YI = [1, 1, 0, 0, 1, 0, 1, 100.0, 0, 1, 0, 1, 0, 1, 100.0, 1, 100.0]
ALL = [2, 3, 0, 1, 1, 0, 2, 66.7, 1, 1, 1, 1, 0, 2, 66.7, 1, 50.0]


@pytest.mark.parametrize("user, expected", [
    ("office", {"甲镇": JIA, "乙乡": YI, "合计": ALL}),
    ("clerk_town", {"甲镇": JIA, "合计": JIA}),
    ("clerk_unit", {"甲镇": JIA, "合计": JIA}),
    ("clerk_none", {}),
])
def test_election_report(api, browser, user, expected):
    data = api(user).get("/api/v1/reserve/election").get_json()
    assert table(data, "election") == expected
    html = browser(user).get("/villageaid/reserve/election/").get_data(as_text=True)
    assert ("乙乡" in html) == ("乙乡" in expected)
    lines = browser(user).get("/villageaid/reserve/election/export/").get_data().decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + len(expected)
    if expected:
        assert lines[-1].split(",")[:3] == ["合计", str(expected["合计"][0]), str(expected["合计"][1])]


def test_recording_the_outcome_through_the_write_path(api):
    c = api("clerk_town")
    pk, = ids(ReserveCandidate, "甲乙")
    version = c.get("/api/v1/reserve_candidate/%d" % pk).get_json()["result"]["row_version"]
    resp = c.put("/api/v1/reserve_candidate/%d" % pk, json={"status": "elected", "row_version": version})
    assert resp.status_code == 422  # the post and the date are needed
    resp = c.put("/api/v1/reserve_candidate/%d" % pk, json={
        "status": "elected", "elected_post": "secretary", "elected_date": "2021-01-08", "row_version": version})
    assert resp.status_code == 200
    assert table(c.get("/api/v1/reserve/election").get_json(), "election")["甲镇"][2:7] == [1, 1, 0, 0, 2]
    other, = ids(ReserveCandidate, "乙甲")
    assert c.put("/api/v1/reserve_candidate/%d" % other, json={"status": "not_elected", "row_version": 1}).status_code == 404
    assert fetch(ReserveCandidate, other).status == "cultivating"
