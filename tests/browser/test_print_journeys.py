"""Printing on A4 from the browser, in Chinese and in English: the village
file (the village's page), a session's sign-in sheet and the roster of a
filtered cadre list. Each is printed to an A4 PDF; on paper the header
(title, reporting unit, print date) is there, the menu and buttons are not,
and nothing runs past the right edge of the printable width (A4 less the
15 mm margins of the print stylesheet). The PDFs and screenshots go to
screens/<lang>/."""
from datetime import date

import pytest
from sqlalchemy import select

from villageaid.models import Cadre, TrainingAttendance, TrainingSession, Village

from ..helpers import database, ids

# 210 mm - 2 x 15 mm at 96 CSS px per inch
PRINTABLE_WIDTH_PX = int((210 - 2 * 15) / 25.4 * 96)

TEXT = {
    "zh": {"village_file": "一村一档", "committees": "两委", "signin": "签到表", "roster": "花名册",
           "meta": ("填报单位", "打印日期")},
    "en": {"village_file": "Village file", "committees": "Two committees", "signin": "Sign-in sheet",
           "roster": "Roster of cadres", "meta": ("Reporting unit", "Printed on")},
}


def printed(page, url, title, meta, folder):
    page.goto(url)
    header = page.locator(".va-print-header")
    assert title in header.inner_text()
    # the menu's categories, on the screen...
    menu = [t.strip() for t in page.locator("header.top .navbar-nav > li > a.dropdown-toggle").all_inner_texts()]
    content = page.locator(".va-print").inner_text()
    menu = [t for t in menu if t and t not in content]  # words of the menu only
    assert menu
    page.set_viewport_size({"width": PRINTABLE_WIDTH_PX, "height": 1000})
    page.emulate_media(media="print")
    # ...and not on paper, nor the buttons; the header is
    assert not page.locator("header.top").is_visible()
    assert not page.locator("#va-print-button").is_visible()
    assert header.is_visible()
    assert all(word in header.inner_text() for word in meta), header.inner_text()
    assert page.locator("#va-reporting-unit").inner_text().strip()
    assert page.locator("#va-printed-on").inner_text() == date.today().isoformat()
    body_text = page.locator("body").evaluate("b => b.innerText")
    assert title in body_text
    assert not [t for t in menu if t in body_text], (menu, body_text)
    assert "None" not in body_text.split(), body_text
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PRINTABLE_WIDTH_PX, (url, width, PRINTABLE_WIDTH_PX)
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf.startswith(b"%PDF")
    assert b"/MediaBox [0 0 595" in pdf  # A4: 595 x 842 points
    name = "print-%s" % url.strip("/").split("/")[1]
    (folder / (name + ".pdf")).write_bytes(pdf)
    page.screenshot(path=str(folder / (name + ".png")), full_page=True)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1366, "height": 900})
    return body_text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_three_prints_fit_on_a4(signed_in, screens, lang):
    t = TEXT[lang]
    with database() as s:
        cadre = {c.name: c for c in s.scalars(select(Cadre).where(Cadre.name.in_(["张一", "赵四", "李二"])))}
        session = TrainingSession(title="打印演练班", start_date=date(2025, 5, 6), end_date=date(2025, 5, 7), hours=8,
                                  audience="both", place="县委党校第一教室")
        s.add(session)
        for c in cadre.values():
            s.add(TrainingAttendance(training_session=session, cadre=c, status="enrolled"))
        s.commit()
        session_id = session.id
    v1, = ids(Village, "甲村")
    clerk = signed_in("clerk_town", lang)
    folder = screens / lang
    folder.mkdir(parents=True, exist_ok=True)

    # the village's page is its file: on paper the file only, without its tabs
    text = printed(clerk, "/villageview/show/%d" % v1, t["village_file"], t["meta"], folder)
    assert "张一" in text and "甲镇" in text and t["committees"] in text

    text = printed(clerk, "/trainingsessionview/signin/%d" % session_id, t["signin"], t["meta"], folder)
    assert "张一" in text and "赵四" in text and "李二" not in text

    # the roster from the list, with the list's filter
    text = printed(clerk, "/cadreview/roster/?_flt_0_kind=resident", t["roster"], t["meta"], folder)
    assert "赵四" in text and "张一" not in text
