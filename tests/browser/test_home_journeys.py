"""The home page (工作台) in the browser, in Chinese and in English: the
charts are drawn by the add-on's own ECharts under the Content-Security-
Policy (the guard fails on a console error, a CSP violation or a foreign
host), a tooltip shows, and a figure opens the list it counts."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from villageaid.models import FollowUpAlert, Village

from ..helpers import database


@pytest.fixture(scope="module", autouse=True)
def stored_alerts(app, snapshot):
    with database() as s:
        for name, kind, deadline in (("甲村", "less_funds", date(2000, 1, 1)), ("乙村", "no_cadre", None)):
            v = s.query(Village).filter_by(name=name).one()
            s.add(FollowUpAlert(village=v, town_id=v.town_id, kind=kind, period="2021-06", raised_on=date(2021, 6, 1),
                                reason="test", status="open", deadline=deadline))
        s.commit()
    snapshot.push()
    yield
    snapshot.pop()


@pytest.mark.parametrize("lang, title", [("zh", "工作台"), ("en", "Workbench")])
def test_home_page_draws_its_charts_and_links_its_figures(signed_in, screens, lang, title):
    page = signed_in("office", lang)
    page.goto("/")
    expect(page.locator("h2", has_text=title)).to_be_visible()
    for chart in ("#chart-coverage", "#chart-alerts"):
        expect(page.locator(chart + " svg")).to_have_count(1)
    # a tooltip (plain text, no inline HTML styles) under the CSP
    page.locator("#chart-coverage svg").hover()
    page.wait_for_timeout(300)
    folder = screens / lang
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "home.png"), full_page=True)
    untrained = page.locator("#fig-untrained").inner_text().strip()
    page.locator("#fig-untrained").click()
    page.wait_for_load_state()
    assert "/untrainedcadreview/list/" in page.url
    count = "共 %s 条" % untrained if lang == "zh" else untrained
    assert re.search(re.escape(count), page.content())


@pytest.mark.parametrize("lang, title, says", [
    ("zh", "工作台", "您尚未分配乡镇或单位范围，暂无可统计的数据。请联系管理员分配数据范围。"),
    ("en", "Workbench", "No town or unit is assigned to you yet, so there is nothing to count. "
                        "Ask the administrator to assign your scope."),
])
def test_a_clerk_without_scope_sees_the_empty_state(signed_in, lang, title, says):
    page = signed_in("clerk_none", lang)
    page.goto("/")
    expect(page.locator("h2", has_text=title)).to_be_visible()
    expect(page.locator("#home-no-scope")).to_have_text(says)
    expect(page.locator("#chart-coverage")).to_have_count(0)
