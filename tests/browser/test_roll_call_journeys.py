"""The roll call (点名) in the browser, in Chinese and in English: a town's
clerk opens a session that has ended, finds only the cadres of the town on
its roll call, sets a status per row, saves once and is back on the
session's page; coverage moves."""
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from villageaid.models import Cadre, TrainingAttendance, TrainingSession

from ..helpers import database
from .test_training_journeys import TEXT as TRAINING, coverage_row
from .ui import expect_flash

TEXT = {
    "zh": {"attended": "参训", "completed": "完成", "excused": "请假"},
    "en": {"attended": "Attended", "completed": "Completed", "excused": "Excused"},
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_clerk_takes_the_roll_call_of_a_session(signed_in, lang):
    t = TEXT[lang]
    with database() as s:
        cadre = {c.name: c for c in s.scalars(select(Cadre).where(Cadre.name.in_(["张一", "赵四", "李二"])))}
        session = TrainingSession(title="点名演练班", batch="2025-点名", start_date=date(2025, 4, 7),
                                  end_date=date(2025, 4, 9), hours=24, audience="both")
        s.add(session)
        for name in cadre:
            s.add(TrainingAttendance(training_session=session, cadre=cadre[name], status="enrolled"))
        s.commit()

    clerk = signed_in("clerk_town", lang)
    clerk.goto("/villageaid/training/coverage/")
    assert coverage_row(clerk, "town", "甲镇") == ("2", "0", "2", "0.0%")

    clerk.goto("/trainingsessionview/list/")
    with clerk.expect_navigation():
        clerk.locator("table tbody tr", has_text="点名演练班").locator(
            "a[href*='/trainingsessionview/show/']").first.click()
    with clerk.expect_navigation():
        clerk.locator("#roll-call-link").click()

    rows = clerk.locator("#roll-call tbody tr")
    expect(rows).to_have_count(2)  # 李二 is another town's
    expect(clerk.locator("#roll-call")).not_to_contain_text("李二")
    zhang = rows.filter(has_text="张一")
    zhang.get_by_label(t["attended"], exact=True).check()
    zhang.get_by_label(t["completed"], exact=True).check()
    rows.filter(has_text="赵四").get_by_label(t["excused"], exact=True).check()
    with clerk.expect_navigation():
        clerk.locator("#save-roll-call").click()

    expect_flash(clerk, TRAINING[lang]["updated"] % 2)
    assert "/trainingsessionview/show/" in clerk.url
    with database() as s:
        got = dict(s.execute(
            select(Cadre.name, TrainingAttendance.status)
            .join(TrainingAttendance, TrainingAttendance.cadre_id == Cadre.id)
            .join(TrainingSession).where(TrainingSession.title == "点名演练班")).all())
    assert got == {"张一": "attended", "赵四": "excused", "李二": "enrolled"}

    clerk.goto("/villageaid/training/coverage/")
    assert coverage_row(clerk, "town", "甲镇") == ("2", "1", "1", "50.0%")
