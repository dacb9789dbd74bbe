"""Administrative divisions above the town: province → prefecture → county.

Towns and units belong to a county and are unique by name within it; a
scope assigned to a division covers every town and unit under it (the
prefecture's clerk sees both of its counties, nothing of another
prefecture: by list, detail page, API and export); divisions are kept by the
office, read by everyone, keyed by their GB/T 2260 code.
"""
import csv
import io
import re

import pytest
from sqlalchemy import inspect as sa_inspect, select

from villageaid import bootstrap
from villageaid.models import Division, ScopeAssignment, Town, Unit, Village

from .helpers import Api, PASSWORD, count, database, ids, sent_statements
from .test_crud_validation import errors


def home():
    with database() as s:
        county = s.scalar(select(Division).where(Division.code == "530428"))
        return county.id, county.parent_id


def add_division(code, name, parent=None):
    with database() as s:
        if parent is None and not code.endswith("0000"):
            parent = s.scalar(select(Division.id).where(
                Division.code == (code[:4] + "00" if not code.endswith("00") else code[:2] + "0000")))
        level = "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"
        row = Division(code=code, name=name, level=level, parent_id=parent)
        s.add(row)
        s.commit()
        return row.id


@pytest.fixture
def two_prefectures(app):
    """玉溪市 (5304): the home county 元江 (甲镇, 乙乡 of the fixture) and 红塔区
    (530402: 城关镇, 城关村, 县财政局); 昆明市 (5301): 五华区 (530102: its own
    城关镇, 城关村 — the same names — and 县财政局); the clerk clerk_pref is
    given the prefecture 玉溪市."""
    county, prefecture = home()
    hongta = add_division("530402", "红塔区")
    kunming = add_division("530100", "昆明市")
    wuhua = add_division("530102", "五华区")
    with database() as s:
        made = {}
        for code, county_id in (("hongta", hongta), ("wuhua", wuhua)):
            town = Town(name="城关镇", kind="town", county_id=county_id)
            unit = Unit(name="县财政局", category="government", county_id=county_id)
            village = Village(name="城关村" if code == "hongta" else "城关村", town=town, unit=unit,
                              poverty_status="non_poor", registered_poor=10,
                              area_code="530402001001" if code == "hongta" else "530102001001")
            s.add_all([town, unit, village])
            s.flush()
            made["village_" + code] = village.id
        s.commit()
    sm = app.appbuilder.sm
    with app.app_context():
        sm.add_user("clerk_pref", "clerk_pref", "", "clerk_pref@villageaid.invalid", sm.find_role("Clerk"),
                    password=PASSWORD)
        bootstrap.assign_scope("clerk_pref", divisions=["530400"])
    return dict(made, county=county, prefecture=prefecture, hongta=hongta, kunming=kunming, wuhua=wuhua)


def test_the_prefectures_clerk_sees_both_its_counties_and_nothing_of_another(app, browser, two_prefectures):
    mine = ids(Village, "甲村", "乙村", "丙村") + [two_prefectures["village_hongta"]]
    foreign = two_prefectures["village_wuhua"]
    b = browser("clerk_pref")
    # the list: the home county's villages and 红塔区's 城关村, not 五华区's
    html = b.get("/villageview/list/?psize_VillageView=100").get_data(as_text=True)
    for name in ("甲村", "乙村", "丙村"):
        assert ">%s<" % name in html
    assert "530402001001" not in html  # not a list column; the detail page shows it
    for pk in mine:
        assert b.get("/villageview/show/%d" % pk).status_code == 200
    assert b.get("/villageview/show/%d" % foreign).status_code == 404
    assert "530402001001" in b.get("/villageview/show/%d" % two_prefectures["village_hongta"]).get_data(as_text=True)
    # the API
    api = Api(app, "clerk_pref")
    found = {r["id"] for r in api.get("/api/v1/village/?q=(page_size:100)").get_json()["result"]}
    assert found == set(mine)
    assert api.get("/api/v1/village/%d" % foreign).status_code == 404
    # the export
    text = b.get("/villageview/export/").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    names = [r[0] for r in rows[1:]]
    assert sorted(names) == sorted(["甲村", "乙村", "丙村", "城关村"])
    # a clerk of the other prefecture's county sees only that one
    sm = app.appbuilder.sm
    with app.app_context():
        sm.add_user("clerk_wuhua", "clerk_wuhua", "", "clerk_wuhua@villageaid.invalid", sm.find_role("Clerk"),
                    password=PASSWORD)
        bootstrap.assign_scope("clerk_wuhua", divisions=["530102"])
    found = {r["id"] for r in Api(app, "clerk_wuhua").get("/api/v1/village/?q=(page_size:100)").get_json()["result"]}
    assert found == {foreign}


def test_a_province_covers_its_prefectures_counties(app, two_prefectures):
    sm = app.appbuilder.sm
    with app.app_context():
        sm.add_user("clerk_prov", "clerk_prov", "", "clerk_prov@villageaid.invalid", sm.find_role("Clerk"),
                    password=PASSWORD)
        bootstrap.assign_scope("clerk_prov", divisions=["云南省"])
    found = {r["id"] for r in Api(app, "clerk_prov").get("/api/v1/village/?q=(page_size:100)").get_json()["result"]}
    assert found == set(ids(Village, "甲村", "乙村", "丙村")) | {two_prefectures["village_hongta"],
                                                             two_prefectures["village_wuhua"]}


def test_a_town_name_is_unique_within_its_county_only(app, browser, two_prefectures):
    b = browser("office")
    before = count(Town)
    # 城关镇 exists in 红塔区 and 五华区; the home county may have one too
    resp = b.post("/townview/add", {"name": "城关镇", "kind": "town", "county": str(two_prefectures["county"])})
    assert resp.status_code == 302, errors(resp.get_data(as_text=True))
    assert count(Town) == before + 1
    # twice in one county: refused, in the office's language
    resp = b.post("/townview/add", {"name": "城关镇", "kind": "town", "county": str(two_prefectures["hongta"])})
    assert resp.status_code == 200
    assert "本县已有同名的镇场街道。" in errors(resp.get_data(as_text=True))
    resp = browser("office", lang="en").post(
        "/townview/add", {"name": "城关镇", "kind": "town", "county": str(two_prefectures["hongta"])})
    assert "A town of this name already exists in this county." in errors(resp.get_data(as_text=True))
    # a unit likewise; left without a county it is refused when there are
    # several (it would be filed silently under the home county)
    resp = b.post("/unitview/add", {"name": "县财政局", "category": "government"})
    assert "请选择所属县（市、区）：本系统包含多个县（市、区）。" in errors(resp.get_data(as_text=True))
    resp = Api(app, "office").post("/api/v1/unit/", json={"name": "县财政局", "category": "government"})
    assert resp.get_json() == {"message": {"county": "请选择所属县（市、区）：本系统包含多个县（市、区）。"}}
    resp = b.post("/unitview/add", {"name": "县财政局", "category": "government",
                                    "county": str(two_prefectures["county"])})
    assert resp.status_code == 302
    resp = b.post("/unitview/add", {"name": "县财政局", "category": "government",
                                    "county": str(two_prefectures["wuhua"])})
    assert "本县已有同名的派出单位。" in errors(resp.get_data(as_text=True))
    assert count(Town) == before + 1
    assert count(Unit, Unit.name == "县财政局") == 3
    # a prefecture is not a county
    resp = b.post("/townview/add", {"name": "新镇", "kind": "town", "county": str(two_prefectures["kunming"])})
    assert "选择无效。" in errors(resp.get_data(as_text=True))  # the picker offers counties only
    resp = Api(app, "office").post("/api/v1/town/", json={"name": "新镇", "kind": "town",
                                                          "county": two_prefectures["kunming"]})
    assert resp.get_json() == {"message": {"county": "请选择县级区划，而不是省级或地级。"}}
    # the list shows the county
    html = b.get("/townview/list/?_flt_0_name=城关镇").get_data(as_text=True)
    assert "红塔区" in html and "五华区" in html


def test_divisions_are_kept_by_the_office_and_read_by_everyone(app, browser):
    b = browser("office")
    before = count(Division)
    # the level and parent follow from the code
    resp = b.post("/divisionview/add", {"code": "530402", "name": "红塔区"})
    assert resp.status_code == 302, errors(resp.get_data(as_text=True))
    with database() as s:
        row = s.scalar(select(Division).where(Division.code == "530402"))
        assert row.level == "county" and row.parent.code == "530400"
        pk = row.id
    bad = [
        ({"code": "53042", "name": "错"}, "区划代码为 6 位数字"),
        ({"code": "530402", "name": "又一个"}, "该值已被其他记录使用"),
        ({"code": "530403", "name": "红塔区"}, "同一上级区划下已有同名的区划。"),
        ({"code": "539901", "name": "无上级"}, "尚不存在，请先添加"),
        ({"code": "530403", "name": "错上级", "parent": str(home()[0])}, "按代码"),
        ({"code": "530000", "name": "云南"}, "该值已被其他记录使用"),
        ({"code": "540000", "name": "云南省"}, "同一上级区划下已有同名的区划。"),
    ]
    for form, message in bad:
        resp = b.post("/divisionview/add", form)
        assert resp.status_code == 200, form
        shown = " ".join(errors(resp.get_data(as_text=True)))
        assert message in shown, (form, shown)
    assert count(Division) == before + 1
    # a prefecture with counties keeps its code
    prefecture = home()[1]
    resp = b.post("/divisionview/edit/%d" % prefecture, {"code": "530500", "name": "玉溪市", "row_version": "1"})
    assert "下设区划的区划不能修改代码。" in " ".join(errors(resp.get_data(as_text=True)))
    # everyone reads them; a clerk does not write them; nobody deletes them
    clerk = browser("clerk_town")
    assert "红塔区" in clerk.get("/divisionview/list/").get_data(as_text=True)
    assert clerk.get("/divisionview/show/%d" % pk).status_code == 200
    assert clerk.post("/divisionview/add", {"code": "530403", "name": "江川区"},
                      token_from="/divisionview/list/").status_code in (302, 403)
    assert count(Division, Division.code == "530403") == 0
    assert b.post("/divisionview/delete/%d" % pk, token_from="/divisionview/list/").status_code in (302, 403, 404)
    assert count(Division, Division.id == pk) == 1
    # the county picker offers counties only, searched on the server
    found = b.get("/villageaid/lookup/county?q=5304").get_json()["results"]
    assert {r["text"] for r in found} >= {"红塔区（530402）", "元江哈尼族彝族傣族自治县（530428）"}  # with their code
    assert not any(r["text"].startswith("玉溪市") for r in found)


def test_scope_assigned_to_a_division_through_the_write_path(app, browser, two_prefectures):
    b = browser("office")
    with database() as s:
        user = s.scalar(select(ScopeAssignment.user_id).limit(1))
    before = count(ScopeAssignment)
    resp = b.post("/scopeassignmentview/add", {"user": str(user), "division": str(two_prefectures["wuhua"])})
    assert resp.status_code == 302, errors(resp.get_data(as_text=True))
    # a town and a division at once: refused
    resp = b.post("/scopeassignmentview/add", {"user": str(user), "division": str(two_prefectures["kunming"]),
                                               "town": str(ids(Town, "甲镇")[0])})
    assert resp.status_code == 200
    assert "请选择一个镇场街道、派出单位或行政区划" in " ".join(errors(resp.get_data(as_text=True)))
    assert count(ScopeAssignment) == before + 1


def test_villages_are_imported_by_their_area_code(app, browser, two_prefectures):
    """A village's statistical area code is a second natural key: an import
    row naming it updates that village; a town named in two counties is
    written county/town."""
    from .test_import import commit, counts, csv_bytes, upload

    b = browser("office")
    headers = ["名称", "镇场街道", "贫困属性", "建档立卡人数", "统计用区划代码"]
    html = upload(b, "/villageview/import/", "v.csv", csv_bytes(
        headers, [["新名字", "530402/城关镇", "非贫困村", "33", "530402001001"]], "utf-8")).get_data(as_text=True)
    assert "va-update" in html, errors(html)
    assert counts(html).get("update") == 1, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))[-3000:]
    assert commit(b, "/villageview/import/", html).status_code == 302
    with database() as s:
        village = s.get(Village, two_prefectures["village_hongta"])
        assert (village.name, village.registered_poor) == ("新名字", 33)


# --- towns and units named with their county ---------------------------------


def looked_up(b, key, q):
    return [r["text"] for r in b.get("/villageaid/lookup/%s?q=%s" % (key, q)).get_json()["results"]]


def test_one_county_names_towns_and_units_bare(app, browser):
    """The quick start's one county: pickers, filters and lists show the bare name."""
    b = browser("office")
    assert looked_up(b, "unit", "一局") == ["一局"]
    assert looked_up(b, "town", "甲") == ["甲镇"]
    assert looked_up(b, "town", "元江") == []  # the county's name finds nothing where there is one
    assert "甲镇 · 甲村" in looked_up(b, "village", "甲村")
    html = b.get("/villageview/list/?psize_VillageView=100").get_data(as_text=True)
    assert ">甲镇<" in html and "元江哈尼族彝族傣族自治县" not in html


def test_several_counties_name_towns_and_units_with_their_county(app, browser, two_prefectures):
    b = browser("office")
    units = looked_up(b, "unit", "县财政局")
    assert {"红塔区 · 县财政局", "五华区 · 县财政局"} <= set(units)
    assert "县财政局" not in units
    # the county's name finds its towns and units too
    assert looked_up(b, "town", "五华") == ["五华区 · 城关镇"]
    assert looked_up(b, "unit", "红塔") == ["红塔区 · 县财政局"]
    # a village with its town and county; a picker's chosen value likewise
    villages = looked_up(b, "village", "城关村")
    assert {"红塔区 · 城关镇 · 城关村", "五华区 · 城关镇 · 城关村"} == set(villages)
    pk = two_prefectures["village_wuhua"]
    one = b.get("/villageaid/lookup/village?id=%d" % pk).get_json()["results"]
    assert [r["text"] for r in one] == ["五华区 · 城关镇 · 城关村"]
    # lists (related columns), their filters and the edit form's picker
    html = b.get("/villageview/list/?psize_VillageView=100").get_data(as_text=True)
    assert "红塔区 · 城关镇" in html and "五华区 · 县财政局" in html
    town = ids(Town, "甲镇")[0]
    html = b.get("/villageview/list/?_flt_0_town=%d" % town).get_data(as_text=True)
    assert "元江哈尼族彝族傣族自治县 · 甲镇" in html
    html = b.get("/villageview/edit/%d" % pk).get_data(as_text=True)
    assert ">五华区 · 城关镇<" in html and ">五华区 · 县财政局<" in html
    # the scope-assignment screen
    with database() as s:
        user = s.scalar(select(ScopeAssignment.user_id).limit(1))
        wuhua_town = s.scalar(select(Town.id).where(Town.county_id == two_prefectures["wuhua"]))
    resp = b.post("/scopeassignmentview/add", {"user": str(user), "town": str(wuhua_town)})
    assert resp.status_code == 302, errors(resp.get_data(as_text=True))
    html = b.get("/scopeassignmentview/list/?psize_ScopeAssignmentView=100").get_data(as_text=True)
    assert "五华区 · 城关镇" in html
    # in English, the same separator
    assert "红塔区 · 县财政局" in looked_up(browser("office", lang="en"), "unit", "县财政局")


def test_several_counties_cost_no_statement_more(app, browser, two_prefectures):
    """The county comes with its town or unit (joined), the number of
    counties with the user's scope: the pages stay within their budget."""
    from .test_statement_budget import LIST_BUDGET, statements_of

    b = browser("office")
    for url in ("/villageview/list/", "/cadreview/list/", "/unitview/list/", "/scopeassignmentview/list/",
                "/attendanceview/list/", "/followuprecordview/list/"):
        statements = statements_of(app, b, url)
        assert len(statements) <= LIST_BUDGET, url
        # no county read on its own (a lazy load per town or unit)
        assert not [st for st in statements if st.lstrip().startswith("SELECT va_division")], url
    with counted_parameters(app) as seen:
        assert b.get("/villageaid/lookup/unit?q=县").status_code == 200
    assert len(seen) <= LIST_BUDGET


# --- a division's scope: a subquery over the division, not a list of ids ----


def counted_parameters(app):
    """(statement, parameter count) of every statement sent."""
    return sent_statements(app, lambda statement, parameters: (statement, len(parameters or ())))


def expanded(division_code):
    """The towns and units under a division, listed by id (how a division's
    scope was once given to the rules)."""
    from villageaid import scope

    with database() as s:
        division = s.scalar(select(Division.id).where(Division.code == division_code))
        counties = scope.counties_under([division])
        towns = tuple(sorted(s.scalars(select(Town.id).where(Town.county_id.in_(counties)))))
        units = tuple(sorted(s.scalars(select(Unit.id).where(Unit.county_id.in_(counties)))))
    return division, towns, units


@pytest.mark.parametrize("code", ["530000", "530400", "530402", "530100"])
def test_a_division_scope_sees_the_same_rows_as_its_towns_and_units_listed(app, two_prefectures, code):
    from villageaid import scope
    from villageaid.models import recyclable

    division, towns, units = expanded(code)
    assert towns and units
    by_division = scope.Viewer(user_id=1, divisions=(division,))
    listed = scope.Viewer(user_id=1, towns=towns, units=units)
    with database() as s:
        for model in sorted(scope._RULES, key=lambda m: m.__name__):
            if model in scope.PERSONAL:
                continue
            for condition in (scope.condition, scope.binned) if recyclable(model) else (scope.condition,):
                key = list(sa_inspect(model).primary_key)
                seen = set(s.execute(select(*key).where(condition(model, by_division))).all())
                assert seen == set(s.execute(select(*key).where(condition(model, listed))).all()), model
        for own in (scope.own_towns, scope.own_units):
            model = Town if own is scope.own_towns else Unit
            assert set(s.scalars(select(model.id).where(own(by_division)))) == \
                set(s.scalars(select(model.id).where(own(listed))))


def test_a_division_clerks_statements_do_not_grow_with_its_towns(app, browser, two_prefectures):
    """The province's clerk: the statements of its lists carry as many
    parameters with 40 more towns and units under it as before."""
    sm = app.appbuilder.sm
    with app.app_context():
        sm.add_user("clerk_prov", "clerk_prov", "", "clerk_prov@villageaid.invalid", sm.find_role("Clerk"),
                    password=PASSWORD)
        bootstrap.assign_scope("clerk_prov", divisions=["530000"])
    b = browser("clerk_prov")
    urls = ("/villageview/list/", "/cadreview/list/", "/followuprecordview/list/", "/attendanceview/list/")

    def parameters():
        found = {}
        for url in urls:
            b.get(url)
            with counted_parameters(app) as seen:
                assert b.get(url).status_code == 200
            found[url] = sorted(n for _statement, n in seen)
        return found

    before = parameters()
    with database() as s:
        for n in range(20):
            s.add(Town(name="新镇%d" % n, kind="town", county_id=two_prefectures["hongta"]))
            s.add(Unit(name="新局%d" % n, category="government", county_id=two_prefectures["wuhua"]))
        s.commit()
    assert parameters() == before
    assert max(n for counts in before.values() for n in counts) < 40


def test_a_division_clerk_records_villages_in_the_towns_under_it_only(app, browser, two_prefectures):
    """The write path asks the same subquery: a village in a town under the
    prefecture is the clerk's, one in another prefecture's town is refused."""
    with database() as s:
        hongta_town = s.scalar(select(Town.id).where(Town.county_id == two_prefectures["hongta"]))
        wuhua_town = s.scalar(select(Town.id).where(Town.county_id == two_prefectures["wuhua"]))
    b = browser("clerk_pref")
    before = count(Village)
    assert "红塔区 · 城关镇" in looked_up(b, "mytown", "城关")
    assert "五华区 · 城关镇" not in looked_up(b, "mytown", "城关")
    resp = b.post("/villageview/add", {"name": "新村", "town": str(wuhua_town), "poverty_status": "non_poor",
                                       "registered_poor": "3"})
    assert resp.status_code == 200 and count(Village) == before
    resp = b.post("/villageview/add", {"name": "新村", "town": str(hongta_town), "poverty_status": "non_poor",
                                       "registered_poor": "3"})
    assert resp.status_code == 302, errors(resp.get_data(as_text=True))
    assert count(Village) == before + 1


def test_coverage_of_several_counties_starts_per_county_and_opens_a_county(app, browser, api, two_prefectures):
    """An office or a division's clerk whose scope spans several counties
    reads coverage per county, then a county's towns and units; a town's
    clerk reads its towns as before."""
    from datetime import date

    from villageaid.models import Cadre

    with database() as s:
        for n, key in enumerate(("village_hongta", "village_wuhua")):
            s.add(Cadre(name="县%d人" % n, gender="male", id_number=("530402199001010014", "530102199001010016")[n],
                        kind="village", post="member", village_id=two_prefectures[key], start_date=date(2021, 1, 1),
                        status="active"))
        s.commit()
    yuanjiang = two_prefectures["county"]
    with database() as s:
        county_name = s.get(Division, yuanjiang).name
        yuxi_name = s.get(Division, two_prefectures["prefecture"]).name
    office = browser("office")
    # the office of one province with two prefectures starts per prefecture
    html = office.get("/villageaid/training/coverage/").get_data(as_text=True)
    assert 'id="coverage-prefecture"' in html and 'id="coverage-county"' not in html and "按市（州）" in html
    assert yuxi_name in html and "昆明市" in html and "红塔区" not in html
    assert "/villageaid/training/coverage/?division=%d" % two_prefectures["prefecture"] in html
    # a prefecture opened: its counties, and the way back
    html = office.get("/villageaid/training/coverage/?division=%d" % two_prefectures["prefecture"]).get_data(
        as_text=True)
    assert 'id="coverage-county"' in html and 'id="coverage-division"' in html and "按县（市、区）" in html
    for name in (county_name, "红塔区"):
        assert name in html
    assert "五华区" not in html and 'id="coverage-trail"' in html and "全部范围" in html
    assert "/villageaid/training/coverage/?county=%d" % two_prefectures["hongta"] in html
    # a county opened: its towns and units only, and the way back through its prefecture
    html = office.get("/villageaid/training/coverage/?county=%d" % two_prefectures["hongta"]).get_data(as_text=True)
    assert 'id="coverage-town"' in html and "城关镇" in html and "甲镇" not in html and "全部范围" in html
    assert "/villageaid/training/coverage/?division=%d" % two_prefectures["prefecture"] in html
    # the API: per prefecture, per county (of all, or of a prefecture), one county's towns
    rows = api("office").get("/api/v1/training/coverage?by=prefecture").get_json()["rows"]
    assert {r["name"]: r["new"] for r in rows} == {yuxi_name: 6, "昆明市": 1}
    rows = api("office").get("/api/v1/training/coverage?by=county").get_json()["rows"]
    assert {r["name"]: r["new"] for r in rows} == {county_name: 5, "红塔区": 1, "五华区": 1}
    rows = api("office").get("/api/v1/training/coverage?by=county&division=%d" % two_prefectures["kunming"]
                             ).get_json()["rows"]
    assert {r["name"]: r["new"] for r in rows} == {"五华区": 1}
    rows = api("office").get("/api/v1/training/coverage?by=town&county=%d" % two_prefectures["wuhua"]).get_json()["rows"]
    assert [(r["name"], r["new"]) for r in rows] == [("城关镇", 1)]
    assert api("office").get("/api/v1/training/coverage?by=town&county=%d" % two_prefectures["kunming"]
                             ).status_code == 400  # a prefecture is not a county
    # the prefecture's clerk: per county, its two counties, nothing of 五华区
    html = browser("clerk_pref").get("/villageaid/training/coverage/").get_data(as_text=True)
    assert 'id="coverage-county"' in html and "红塔区" in html and county_name in html and "五华区" not in html
    with app.app_context():
        rows = Api(app, "clerk_pref").get("/api/v1/training/coverage?by=county").get_json()["rows"]
        assert {r["name"]: r["new"] for r in rows} == {county_name: 5, "红塔区": 1}
        # the other prefecture opened: nothing of it is in the clerk's scope
        rows = Api(app, "clerk_pref").get("/api/v1/training/coverage?by=county&division=%d"
                                          % two_prefectures["kunming"]).get_json()["rows"]
        assert rows == []
    # the home page: per prefecture
    assert "各市（州）轮训覆盖率" in office.get("/").get_data(as_text=True)
    # a town's clerk: its towns, as with one county
    html = browser("clerk_town").get("/villageaid/training/coverage/").get_data(as_text=True)
    assert 'id="coverage-town"' in html and 'id="coverage-county"' not in html
    # a county argument that names no county is left out with a message
    html = office.get("/villageaid/training/coverage/?county=%d" % two_prefectures["kunming"],
                      follow_redirects=True).get_data(as_text=True)
    assert 'id="coverage-prefecture"' in html and "“%d”在此无效，已忽略。" % two_prefectures["kunming"] in html
    resp = office.get("/villageaid/training/coverage/export/?by=town&county=%d" % two_prefectures["kunming"])
    assert resp.status_code == 400
    resp = office.get("/villageaid/training/coverage/export/?by=town&county=%d" % two_prefectures["wuhua"])
    assert resp.status_code == 200 and "城关镇" in resp.get_data().decode("utf-8-sig")
