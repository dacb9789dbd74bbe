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
