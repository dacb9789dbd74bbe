"""Defaults of every setting the add-on reads.

The manager fills in, at start-up, each of these the host did not set
(`app.config.setdefault`), so a host that only names the add-on in
ADDON_MANAGERS works; a host overrides any of them in its own config (this
project's config.py reads them from the environment). README.md →
Configuration describes each.
"""
import copy
from datetime import date

# A non-poor village with at least this many registered poor people is a
# focus village (重点非贫困村).
VILLAGEAID_FOCUS_THRESHOLD = 100
# A cadre who started on or after this date is "new".
VILLAGEAID_NEW_CADRE_SINCE = date(2020, 1, 1)
# Exit years of the villages in the follow-up set.
VILLAGEAID_FOLLOWUP_EXIT_YEARS = [2017]
# Reserve cadres: the day ages and party standing are counted to, the
# eligibility rules per target post, and each village's target.
VILLAGEAID_ELECTION_DATE = date(2021, 1, 1)
VILLAGEAID_ELIGIBILITY = {
    "secretary": {"max_age": 50, "min_education": "senior_high", "party_member": True, "min_party_years": 1},
    "both": {"max_age": 50, "min_education": "senior_high", "party_member": True, "min_party_years": 1},
    "director": {"max_age": 55, "min_education": "senior_high", "party_member": False, "min_party_years": 0},
    "member": {"max_age": 60, "min_education": "junior_or_below", "party_member": False, "min_party_years": 0},
}
VILLAGEAID_RESERVE_TARGET = 2
VILLAGEAID_RESERVE_TARGET_BOTH = 1
# Follow-up: alert when the last visit is older than this many days; the
# reference date of reports and alerts (None: today).
VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS = 90
VILLAGEAID_REFERENCE_DATE = None
# Follow-up: a money alert fires when the funds of this year to date fall
# below the same period last year by at least this percentage AND at least
# this amount (万元); a visit alert likewise (percentage AND visits). A zero
# in last year's period never raises a drop alert (no_record covers it).
VILLAGEAID_ALERT_FUNDS_DROP_PERCENT = 20
VILLAGEAID_ALERT_FUNDS_DROP_MIN = 1
VILLAGEAID_ALERT_VISITS_DROP_PERCENT = 20
VILLAGEAID_ALERT_VISITS_DROP_MIN = 2
# Follow-up: a stored alert stands for one period ("month", "quarter" or
# "year"); its condition still holding in a later period opens a new one.
VILLAGEAID_ALERT_PERIOD = "month"
# Largest CSV export (0: no cap); a bigger one is refused with a message.
VILLAGEAID_EXPORT_MAX_ROWS = 0
# Rows per page in the search-as-you-type pickers.
VILLAGEAID_LOOKUP_PAGE_SIZE = 20
# Largest number of rows on one page of a web list (psize_<View>).
VILLAGEAID_MAX_PAGE_SIZE = 100


def settings():
    """Every default, by name (fresh copies: a host may change them in place)."""
    return {
        name: copy.deepcopy(value)
        for name, value in globals().items()
        if name.startswith("VILLAGEAID_")
    }


def apply(config):
    """Fill in each setting `config` does not have yet; return the names filled."""
    filled = [name for name in settings() if name not in config]
    for name, value in settings().items():
        config.setdefault(name, value)
    return filled
