"""A screenshot of every main screen, in Chinese and in English, into
screens/<lang>/ (git-ignored) for a person to review, over the demo county
(loaded for this module, removed after it). Each screen must also load
cleanly under the guard."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from villageaid import demo
from villageaid.models import Cadre, FollowUpRecord, TrainingAttendance

from ..helpers import database

LISTS = [
    "townview", "unitview", "villageview", "focusvillageview", "cadreview",
    "trainingsessionview", "attendanceview", "untrainedcadreview", "newcadretrainingview",
    "reservecandidateview", "belowtargetview", "followuprecordview", "followupyearview",
    "scopeassignmentview", "exportreceiptview",
]
FORMS = ["townview", "unitview", "villageview", "cadreview", "trainingsessionview", "attendanceview",
         "reservecandidateview", "followuprecordview", "scopeassignmentview"]
REPORTS = {
    "coverage": "/villageaid/training/coverage/",
    "alerts": "/villageaid/followup/alerts/",
    "reserve-summary": "/villageaid/reserve/summary/",
}


@pytest.fixture(scope="module")
def demo_county(app, snapshot):
    with database() as s:
        demo.load(s)
    snapshot.push()  # the demo county is what each test returns to
    with database() as s:
        session = s.scalar(select(TrainingAttendance.training_session_id).limit(1))
        village = s.scalar(select(FollowUpRecord.village_id).limit(1))
        cadre = s.scalar(select(Cadre.id).where(Cadre.village_id == village).limit(1))
    yield {"session": session, "village": village, "cadre": cadre}
    snapshot.pop()


def screens_of(ids):
    yield "home", "/"
    for view in LISTS:
        yield "list-" + view, "/%s/list/" % view
    for view in FORMS:
        yield "add-" + view, "/%s/add" % view
    yield "edit-cadreview", "/cadreview/edit/%d" % ids["cadre"]
    yield "show-cadreview", "/cadreview/show/%d" % ids["cadre"]
    yield "show-villageview", "/villageview/show/%d" % ids["village"]  # the village file (一村一档)
    yield "session-page", "/trainingsessionview/show/%d" % ids["session"]
    for name, url in REPORTS.items():
        yield name, url


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_main_screen(signed_in, new_context, screens, demo_county, lang):
    folder = screens / lang
    folder.mkdir(parents=True, exist_ok=True)
    page = signed_in("office", lang)
    for name, url in screens_of(demo_county):
        response = page.goto(url)
        assert response.status == 200, (url, response.status)
        expect(page.locator(".navbar")).to_be_visible()
        page.evaluate("document.fonts.ready.then(() => true)")
        page.screenshot(path=str(folder / ("%s.png" % name)), full_page=True)
    # the village's page (its file) of a focus village, reached from its list; and on paper
    page.goto("/focusvillageview/list/")
    with page.expect_navigation():
        page.locator("table tbody tr a[href*='/focusvillageview/show/']").first.click()
    expect(page.locator("#file-committees")).to_be_visible()
    page.screenshot(path=str(folder / "show-focusvillageview.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(folder / "print-villageview.png"), full_page=True)
    page.emulate_media(media="screen")
    clerk = signed_in("clerk_town", lang)
    clerk.goto("/villageaid/training/coverage/")
    clerk.screenshot(path=str(folder / "coverage-clerk_town.png"), full_page=True)
    login = new_context().new_page()
    login.goto("/lang/%s" % lang)
    login.goto("/login/")
    login.screenshot(path=str(folder / "login.png"), full_page=True)


def test_no_list_shows_none(signed_in, demo_county):
    page = signed_in("office")
    shown_none = []
    for view in LISTS:
        page.goto("/%s/list/" % view)
        cells = page.locator("table tbody td").all_inner_texts()
        if any(c.strip() == "None" for c in cells):
            shown_none.append(view)
    assert shown_none == [], shown_none
