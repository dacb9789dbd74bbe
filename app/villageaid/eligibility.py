"""Eligibility of reserve candidates for their target post.

The rules come from VILLAGEAID_ELIGIBILITY (one entry per target post:
max_age on the election date, min_education, party_member — a full CPC
member, not a probationary one — and min_party_years of standing on the
election date). They give warnings, never block saving: the office decides.

Each unmet rule is a `Reason` holding its message, its test on a candidate
and the same test in SQL, both built from the same cut-off dates: the
candidate page, the "has eligibility issues" filter and the export cannot
disagree.
"""
from dataclasses import dataclass
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import String, and_, case, false, func, literal, or_

from .choices import EDUCATION, EDUCATION_RANK
from .models import ReserveCandidate as C
from . import settings


def years_before(day, years):
    """The same calendar day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def election_date():
    return settings.get("VILLAGEAID_ELECTION_DATE")


@dataclass
class Reason:
    message: str
    test: Callable  # candidate -> bool
    sql: Callable  # () -> SQL condition


def reasons_for(post):
    """The rules a candidate for `post` must meet, as Reasons."""
    rules = settings.get("VILLAGEAID_ELIGIBILITY").get(post) or {}
    reasons = []
    max_age = rules.get("max_age")
    if max_age is not None:
        # born on or before this day: older than max_age on the election date
        oldest = years_before(election_date(), max_age + 1)
        reasons += [
            Reason(_("Birth date unknown, so the age limit cannot be checked."),
                   lambda c: c.birth_date is None, lambda: C.birth_date.is_(None)),
            Reason(_("Over the age limit of %(limit)d on the election date.", limit=max_age),
                   lambda c: c.birth_date is not None and c.birth_date <= oldest,
                   lambda: C.birth_date <= oldest),
        ]
    minimum = rules.get("min_education")
    if minimum:
        below = [code for code in EDUCATION.codes if EDUCATION_RANK[code] < EDUCATION_RANK[minimum]]
        if below:
            reasons.append(Reason(_("Education below the minimum (%(minimum)s).", minimum=EDUCATION.label(minimum)),
                                  lambda c: c.education in below, lambda: C.education.in_(below)))
    if rules.get("party_member"):
        reasons.append(Reason(_("This post needs a full CPC member."),
                              lambda c: c.political_status != "party_member",
                              lambda: C.political_status != "party_member"))
        years = rules.get("min_party_years") or 0
        if years:
            # joined after this day: under `years` of standing on the election date
            latest = years_before(election_date(), years)
            member = lambda c: c.political_status == "party_member"  # noqa: E731
            reasons += [
                Reason(_("Party join date unknown, so party standing cannot be checked."),
                       lambda c: member(c) and c.party_join_date is None,
                       lambda: and_(C.political_status == "party_member", C.party_join_date.is_(None))),
                Reason(_("Less than %(years)d year(s) of party standing on the election date.", years=years),
                       lambda c: member(c) and c.party_join_date is not None and c.party_join_date > latest,
                       lambda: and_(C.political_status == "party_member", C.party_join_date > latest)),
            ]
    return reasons


def issues(candidate):
    """The unmet rules of a candidate, in the user's language."""
    return [r.message for r in reasons_for(candidate.target_post) if r.test(candidate)]


def describe(candidate):
    return " ".join(issues(candidate)) or _("Eligible")


def _posts():
    return settings.get("VILLAGEAID_ELIGIBILITY").keys()


def issues_condition():
    """SQL: the candidate has at least one eligibility issue."""
    tracks = [
        and_(C.target_post == post, or_(*[r.sql() for r in reasons]))
        for post in _posts()
        for reasons in [reasons_for(post)]
        if reasons
    ]
    return or_(*tracks) if tracks else false()


def describe_expression():
    """SQL giving the same text as describe(), for exports."""
    whens = []
    for post in _posts():
        reasons = reasons_for(post)
        if not reasons:
            continue
        text = literal("", String)
        for r in reasons:
            text = text + case((r.sql(), r.message + " "), else_="")
        whens.append((and_(C.target_post == post, or_(*[r.sql() for r in reasons])), func.rtrim(text)))
    return case(*whens, else_=_("Eligible")) if whens else literal(_("Eligible"), String)


def age_band_edges():
    """Birth-date edges of the age bands on the election date: born after the
    first, under 35; born on or before the second, over 45."""
    return years_before(election_date(), 35), years_before(election_date(), 46)
