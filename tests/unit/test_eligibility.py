"""Eligibility of reserve candidates against the default rules
(defaults.VILLAGEAID_ELIGIBILITY; election on 2021-01-01)."""
from datetime import date
from types import SimpleNamespace

import pytest

from villageaid.eligibility import age_band_edges, describe, issues, judge, years_before
from villageaid.models import Cadre


def candidate(post="secretary", birth=date(1980, 5, 1), education="bachelor", political="party_member",
              joined=date(2010, 7, 1)):
    return SimpleNamespace(target_post=post, birth_date=birth, education=education, political_status=political,
                           party_join_date=joined)


def test_years_before_keeps_the_calendar_day():
    assert years_before(date(2021, 1, 1), 50) == date(1971, 1, 1)
    assert years_before(date(2020, 2, 29), 1) == date(2019, 2, 28)


def test_an_eligible_candidate(context):
    assert issues(candidate()) == []
    assert describe(candidate()) == "Eligible"


@pytest.mark.parametrize("birth, eligible", [
    (date(1970, 1, 2), True),   # 50 on the election date: within the limit
    (date(1970, 1, 1), False),  # 51 that day
])
def test_the_age_limit_is_counted_to_the_election_date(context, birth, eligible):
    assert (issues(candidate(birth=birth)) == []) is eligible


@pytest.mark.parametrize("joined, eligible", [
    (date(2020, 1, 1), True),   # exactly one year of standing
    (date(2020, 1, 2), False),  # one day short
])
def test_party_standing_is_counted_to_the_election_date(context, joined, eligible):
    assert (issues(candidate(joined=joined)) == []) is eligible


def test_each_unmet_rule_is_named(context):
    found = issues(candidate(post="both", birth=None, education="junior_or_below", political="probationary"))
    assert found == [
        "Birth date unknown, so the age limit cannot be checked.",
        "Education below the minimum (Senior high / technical secondary).",
        "This post needs a full CPC member.",
    ]
    assert issues(candidate(joined=None)) == ["Party join date unknown, so party standing cannot be checked."]


def test_other_posts_have_their_own_rules(context):
    # a director need not be a party member; a member may be 60
    assert issues(candidate(post="director", political="masses", joined=None)) == []
    assert issues(candidate(post="member", birth=date(1961, 1, 2), education="junior_or_below",
                            political="masses", joined=None)) == []
    assert issues(candidate(post="member", birth=date(1960, 1, 1), political="masses", joined=None)) != []


def test_rules_come_from_the_settings(context):
    context.config["VILLAGEAID_ELIGIBILITY"] = {"secretary": {"max_age": 40}}
    assert issues(candidate(birth=date(1980, 1, 1))) == ["Over the age limit of 40 on the election date."]
    assert issues(candidate(post="member", birth=date(1900, 1, 1))) == []  # no rules for the post


def test_age_bands(context):
    assert age_band_edges() == (date(1986, 1, 1), date(1975, 1, 1))


def test_missing_data_is_unknown_not_a_failure_nor_a_pass(context):
    assert judge(candidate(), "secretary").status == "eligible"
    assert judge(candidate(joined=None), "secretary").status == "unknown"
    assert judge(candidate(education=None), "director").status == "unknown"
    # an unmet rule outweighs an unknown one
    assert judge(candidate(birth=date(1960, 1, 1), joined=None), "secretary").status == "ineligible"


def test_a_cadre_is_judged_by_the_same_rules(context):
    """A village cadre's birth date comes from the ID number (1980-01-01)."""
    cadre = SimpleNamespace(id_number="530428198001010015", education="bachelor",
                            political_status="party_member", party_join_date=date(2000, 1, 1))
    assert judge(cadre, "both", Cadre).status == "eligible"
    cadre.political_status = None
    verdict = judge(cadre, "both", Cadre)
    assert verdict.status == "unknown"
    assert verdict.messages == ["Political status unknown, so party membership cannot be checked."]
    context.config["VILLAGEAID_ELIGIBILITY"] = {"both": {"max_age": 40}}
    assert judge(cadre, "both", Cadre).messages == ["Over the age limit of 40 on the election date."]
