"""Dictionaries (字典管理): the office relabels, adds and deactivates codes
of its code lists; records keep the code, lists and exports show the new
label, and a code in use cannot be deleted."""
import re

import pytest

from villageaid.models import ChangeRecord, DictionaryEntry, Unit

from .helpers import count, database, ids

URL = "/villageaid/dictionaries/"


def entry(kind, code):
    with database() as s:
        row = s.query(DictionaryEntry).filter_by(kind=kind, code=code).one_or_none()
        return None if row is None else (row.label_zh, row.label_en, row.sort_order, row.active, row.row_version)


def test_relabel_shows_on_lists_and_exports(browser):
    b = browser("office")
    resp = b.post(URL + "unit_category/party/edit", {"label_zh": "党群机关", "label_en": "Party and mass organ",
                                                      "sort_order": "", "active": "y", "row_version": ""})
    assert resp.status_code == 302
    assert entry("unit_category", "party")[:2] == ("党群机关", "Party and mass organ")
    with database() as s:
        assert s.query(Unit).filter_by(name="二局").one().category == "party"  # the code stays
    listing = b.get("/unitview/list/").get_data(as_text=True)
    assert "党群机关" in listing
    export = b.get("/unitview/export/").get_data(as_text=True)
    assert "党群机关" in export
    english = browser("office", "en")
    assert "Party and mass organ" in english.get("/unitview/list/").get_data(as_text=True)
    assert count(ChangeRecord, ChangeRecord.model == "DictionaryEntry") == 1


def test_an_added_code_is_offered_and_used(browser, api):
    b = browser("office")
    resp = b.post(URL + "unit_category/add", {"code": "township_org", "label_zh": "乡镇机关", "label_en": ""}, token_from=URL)
    assert resp.status_code == 302
    form = b.get("/unitview/add").get_data(as_text=True)
    assert re.search(r'<option[^>]*value="township_org"[^>]*>乡镇机关', form)
    created = api("office").post("/api/v1/unit/", json={"name": "新机关", "category": "township_org"})
    assert created.status_code == 201, created.get_json()
    # in use: refused, naming how many records use it
    version = entry("unit_category", "township_org")[4]
    resp = b.post(URL + "unit_category/township_org/delete", {"row_version": str(version)}, token_from=URL)
    assert resp.status_code == 302
    page = b.get(URL + "unit_category/").get_data(as_text=True)
    assert "1 条记录使用" in page
    assert entry("unit_category", "township_org") is not None


def test_an_unused_added_code_can_be_deleted_and_a_standard_one_cannot(browser):
    b = browser("office")
    assert b.post(URL + "background/add", {"code": "teacher", "label_zh": "乡村教师"}, token_from=URL).status_code == 302
    version = entry("background", "teacher")[4]
    assert b.post(URL + "background/teacher/delete", {"row_version": str(version)}, token_from=URL).status_code == 302
    assert entry("background", "teacher") is None
    b.post(URL + "background/other/delete", {"row_version": ""}, token_from=URL)
    assert "不能删除" in b.get(URL + "background/").get_data(as_text=True)


def test_a_deactivated_code_is_not_offered_but_still_labelled(browser):
    b = browser("office")
    resp = b.post(URL + "unit_category/party/edit", {"label_zh": "", "label_en": "", "sort_order": "", "row_version": ""})
    assert resp.status_code == 302 and entry("unit_category", "party")[3] is False
    form = b.get("/unitview/add").get_data(as_text=True)
    assert 'value="party"' not in form
    assert "党委机关" in b.get("/unitview/list/").get_data(as_text=True)  # 二局 keeps its label
    # a unit that has it keeps it on its edit form
    pk, = ids(Unit, "二局")
    edit = b.get("/unitview/edit/%d" % pk).get_data(as_text=True)
    assert re.search(r'<option[^>]*value="party"[^>]*selected|<option selected[^>]*value="party"', edit)


@pytest.mark.parametrize("data, message", [
    ({"code": "Bad Code", "label_zh": "甲"}, "小写字母"),
    ({"code": "party", "label_zh": "甲"}, "已在列表中"),
    ({"code": "newone", "label_zh": ""}, "中文名称"),
    ({"code": "newone", "label_zh": "甲", "sort_order": "x"}, "请输入 0 到"),
])
def test_invalid_entries_are_refused_with_a_message(browser, data, message):
    b = browser("office")
    resp = b.post(URL + "unit_category/add", data, token_from=URL)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert count(DictionaryEntry) == 0


@pytest.mark.parametrize("user", ["clerk_town", "inspector"])
def test_only_the_office_edits_dictionaries(browser, user):
    b = browser(user)
    token = b.csrf("/resetmypassword/form")
    assert b.get(URL).status_code in (302, 403)
    resp = b.client.post(URL + "unit_category/add", data={"code": "x1", "label_zh": "甲", "csrf_token": token})
    assert resp.status_code in (302, 403)
    assert count(DictionaryEntry) == 0


def test_unknown_dictionary_or_code_is_404(browser):
    b = browser("office")
    assert b.get(URL + "nosuch/").status_code == 404
    assert b.get(URL + "unit_category/nosuch/edit").status_code == 404


def test_a_label_maps_back_to_its_code(app, browser):
    from villageaid import dictionaries
    from villageaid.choices import UNIT_CATEGORIES

    b = browser("office")
    assert b.post(URL + "unit_category/party/edit", {"label_zh": "党群机关", "active": "y", "row_version": ""}).status_code == 302
    with app.test_request_context():
        assert dictionaries.code_for(UNIT_CATEGORIES, "党群机关") == "party"
        assert dictionaries.code_for(UNIT_CATEGORIES, "Government department") == "government"
        assert dictionaries.code_for(UNIT_CATEGORIES, "party") == "party"
        assert dictionaries.code_for(UNIT_CATEGORIES, "没有这个") is None
