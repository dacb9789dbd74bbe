"""Training rotations in the browser, in Chinese and in English: the office
creates a session, a town's clerk enrols the cadres of the town from the
session page and marks their attendance with a bulk action on the
attendance list (several rows ticked, the action confirmed, the count
said), and the coverage report moves; a cancelled confirmation changes
nothing."""
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from villageaid.models import Cadre, TrainingAttendance, TrainingSession

from ..helpers import database
from .ui import check_rows, expect_flash, list_rows, open_add_form, pick, pick_day, run_action, save, type_date

TEXT = {
    "zh": {
        "added": "已添加", "audience": ("驻村", "驻村干部和村干部"),
        "enrol_all": "将我管辖范围内所有未轮训的新任人员报名参加本班次",
        "enrolled": "完成 2 人；跳过：已在班次中 0 人，不属于培训对象 0 人，超出名额 0 人。",
        "mark_done": ("标记为参训并完成", "确定将所选记录标记为参训并完成吗？"),
        "mark_absent": ("标记为缺勤", "确定将所选记录标记为缺勤吗？"),
        "updated": "已更新 %d 条记录。", "village_cadre": "村干部",
    },
    "en": {
        "added": "Added", "audience": ("Resident and", "Resident and village cadres"),
        "enrol_all": "Enrol every untrained new cadre of my scope in this session",
        "enrolled": "2 done; skipped: 0 already in the session, 0 outside its audience, 0 over its capacity.",
        "mark_done": ("Mark attended and completed", "Mark the selected records attended and completed?"),
        "mark_absent": ("Mark absent", "Mark the selected records absent?"),
        "updated": "%d record(s) updated.", "village_cadre": "Village cadre",
    },
}


def coverage_row(page, by, name):
    """(new, trained, untrained, rate) of the row `name` of the coverage table `by`, as shown."""
    row = page.locator("#coverage-%s tbody tr" % by).filter(has=page.get_by_role("cell", name=name, exact=True))
    expect(row).to_have_count(1)
    return tuple(c.strip() for c in row.locator("td").all_inner_texts()[1:5])


def attendance_of(title):
    with database() as s:
        rows = s.execute(
            select(TrainingAttendance.status, TrainingAttendance.completed)
            .join(TrainingSession).where(TrainingSession.title == title)
        ).all()
    return sorted(tuple(r) for r in rows)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_office_creates_a_session_and_the_clerk_enrols_and_marks_it(signed_in, lang):
    t = TEXT[lang]
    office = signed_in("office", lang)
    open_add_form(office, "trainingsessionview")
    office.fill("#title", "村干部履职能力培训")
    office.fill("#batch", "2026-第一期")
    office.fill("#organiser", "县委组织部")
    # a session of last year: only a session that has ended can be marked completed
    _month, picked = pick_day(office, "end_date", 12)
    type_date(office, "start_date", date(picked.year - 1, picked.month, 10))
    type_date(office, "end_date", date(picked.year - 1, picked.month, 12))
    office.fill("#place", "县委党校")
    office.fill("#hours", "24")
    pick(office, "audience", *t["audience"])
    office.fill("#content", "政策解读、基层治理")
    save(office)
    expect_flash(office, t["added"])
    expect(office.locator("table tbody tr", has_text="村干部履职能力培训")).to_be_visible()

    clerk = signed_in("clerk_town", lang)
    clerk.goto("/villageaid/training/coverage/")
    assert coverage_row(clerk, "town", "甲镇") == ("2", "0", "2", "0.0%")

    # the session page, reached from the list as a person would
    clerk.goto("/trainingsessionview/list/")
    row = clerk.locator("table tbody tr", has_text="村干部履职能力培训")
    with clerk.expect_navigation():
        row.locator("a[href*='/trainingsessionview/show/']").first.click()
    with clerk.expect_navigation():
        clerk.get_by_role("button", name=t["enrol_all"]).click()
    expect_flash(clerk, t["enrolled"])
    assert attendance_of("村干部履职能力培训") == [("enrolled", False), ("enrolled", False)]

    clerk.goto("/attendanceview/list/")
    shown = [r for r in list_rows(clerk) if "村干部履职能力培训" in " ".join(r)]
    assert sorted(n for r in shown for n in ("张一", "赵四") if n in r) == ["张一", "赵四"], shown
    zhang, = [r for r in shown if "张一" in r]
    assert t["village_cadre"] in zhang and "village" not in zhang, zhang  # the kind's label, not its code
    check_rows(clerk, "张一", "赵四")
    label, asks = t["mark_done"]
    run_action(clerk, label, asks=asks)
    expect_flash(clerk, t["updated"] % 2)
    assert attendance_of("村干部履职能力培训") == [("attended", True), ("attended", True)]

    clerk.goto("/villageaid/training/coverage/")
    assert coverage_row(clerk, "town", "甲镇") == ("2", "2", "0", "100.0%")
    # the office sees the same change within the whole county
    office.goto("/villageaid/training/coverage/")
    assert coverage_row(office, "town", "甲镇") == ("2", "2", "0", "100.0%")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_cancelled_confirmation_changes_nothing(signed_in, lang):
    t = TEXT[lang]
    with database() as s:
        cadre = s.scalar(select(Cadre).where(Cadre.name == "张一"))
        session = TrainingSession(title="待确认班", batch="B", start_date=date(2026, 1, 5), end_date=date(2026, 1, 6),
                                  hours=8, audience="both")
        s.add_all([session, TrainingAttendance(training_session=session, cadre=cadre, status="enrolled", completed=False)])
        s.commit()
    clerk = signed_in("clerk_town", lang)
    clerk.goto("/attendanceview/list/")
    check_rows(clerk, "待确认班")
    label, asks = t["mark_absent"]
    run_action(clerk, label, asks=asks, confirm=False)
    assert attendance_of("待确认班") == [("enrolled", False)]
    run_action(clerk, label, asks=asks)
    expect_flash(clerk, t["updated"] % 1)
    assert attendance_of("待确认班") == [("absent", False)]
