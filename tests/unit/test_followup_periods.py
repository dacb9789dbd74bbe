"""The periods the follow-up alerts compare (followup.py): this year to
the reference date against the same days of last year."""
from datetime import date

import pytest

from villageaid import followup


@pytest.mark.parametrize("day, this, last", [
    (date(2021, 6, 30), (date(2021, 1, 1), date(2021, 6, 30)), (date(2020, 1, 1), date(2020, 6, 30))),
    (date(2021, 1, 1), (date(2021, 1, 1), date(2021, 1, 1)), (date(2020, 1, 1), date(2020, 1, 1))),
    (date(2024, 2, 29), (date(2024, 1, 1), date(2024, 2, 29)), (date(2023, 1, 1), date(2023, 2, 28))),
])
def test_same_period_last_year(day, this, last):
    assert followup.periods(day) == (this, last)


def test_the_reference_date_is_today_unless_pinned(context):
    from villageaid.models import utcnow

    assert followup.reference_date() == utcnow().date()
    context.config["VILLAGEAID_REFERENCE_DATE"] = date(2021, 6, 30)
    assert followup.periods() == ((date(2021, 1, 1), date(2021, 6, 30)), (date(2020, 1, 1), date(2020, 6, 30)))


def test_the_followup_set_is_the_configured_exit_years(context):
    assert followup.exit_years() == [2017]
    context.config["VILLAGEAID_FOLLOWUP_EXIT_YEARS"] = [2017, 2018]
    assert followup.exit_years() == [2017, 2018]
    assert "IN" in str(followup.in_followup_set()).upper()


@pytest.mark.parametrize("value, day", [(None, None), (date(2021, 3, 1), date(2021, 3, 1)),
                                        ("2021-03-01", date(2021, 3, 1)), ("2021-03-01 00:00:00", date(2021, 3, 1))])
def test_dates_from_any_backend(value, day):
    assert followup._as_date(value) == day


@pytest.mark.parametrize("this, last, percent, minimum, fires", [
    ("9.50", "10.00", 20, 1, False),  # 5 %, 0.50 万元: neither
    ("4.50", "6.50", 20, 1, True),  # 30.8 %, 2.00 万元: both
    ("7.00", "10.00", 20, 5, False),  # 30 % but 3.00 < 5: percentage AND amount
    ("99", "100", 0, 1, True),  # exactly the minimum counts
    ("80", "100", 20, 0, True),  # exactly the percentage counts
    ("0", "0", 0, 0, False),  # a zero last time is never a drop
    ("0", None, 0, 0, False),
    (1, 3, 20, 2, True),  # visits
    (2, 3, 20, 2, False),
])
def test_a_drop_is_a_percentage_and_an_amount(this, last, percent, minimum, fires):
    assert followup.dropped(this, last, percent, minimum) is fires


@pytest.mark.parametrize("period, day, key", [
    ("month", date(2021, 6, 15), "2021-06"),
    ("quarter", date(2021, 6, 15), "2021-Q2"),
    ("quarter", date(2021, 10, 1), "2021-Q4"),
    ("year", date(2021, 6, 15), "2021"),
])
def test_an_alert_stands_for_one_period(context, period, day, key):
    from villageaid.models.followup import alert_period_of

    context.config["VILLAGEAID_ALERT_PERIOD"] = period
    assert alert_period_of(day) == key
