"""Eligibility for a post of the village "two committees", one function for
reserve candidates and the village cadres who hold the posts today.

The rules come from VILLAGEAID_ELIGIBILITY (one entry per target post:
max_age on the election date, min_education, party_member — a full CPC
member, not a probationary one — and min_party_years of standing on the
election date). They give warnings, never block saving: the office decides.

Each rule is a `Reason` holding its message, whether it means "unmet" or
"unknown" (the data to judge it is missing), its test on a person and the
same test in SQL, all built from the same cut-off dates: the record page,
the "has eligibility issues" filter, the export and the maintained counts
cannot disagree. The verdict on a person is "eligible" (every rule met),
"ineligible" (a rule unmet) or "unknown" (none unmet, one not known) —
missing data is neither a pass nor a failure; only "eligible" counts
towards a village's target.

A person is read through a `Subject` of its model: a candidate has its own
birth date; a cadre's comes from the ID number (characters 7–14, YYYYMMDD).
"""
from dataclasses import dataclass
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import String, and_, case, false, func, literal, not_, or_

from .choices import EDUCATION, EDUCATION_RANK
from .models import Cadre, ReserveCandidate
from .validators import birth_date_of
from . import settings

ELIGIBLE, INELIGIBLE, UNKNOWN = "eligible", "ineligible", "unknown"
# the posts of a village cadre, as eligibility tracks
TRACK_OF_CADRE_POST = {"secretary": "secretary", "director": "director",
                       "secretary_director": "both", "committee_member": "member"}


def years_before(day, years):
    """The same calendar day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def election_date():
    return settings.get("VILLAGEAID_ELECTION_DATE")


class Subject:
    """How the rules read a model's rows: the birth date, and the columns."""

    def __init__(self, model):
        self.model = model

    def birth_date(self, row):
        return row.birth_date

    def birth_unknown(self):
        return self.model.birth_date.is_(None)

    def born_on_or_before(self, day):
        return self.model.birth_date <= day


class CadreSubject(Subject):
    def birth_date(self, row):
        return birth_date_of(row.id_number) if row.id_number else None

    def birth_unknown(self):
        return self.model.id_number.is_(None)

    def born_on_or_before(self, day):
        return func.substr(self.model.id_number, 7, 8) <= day.strftime("%Y%m%d")


SUBJECTS = {ReserveCandidate: Subject(ReserveCandidate), Cadre: CadreSubject(Cadre)}


@dataclass
class Reason:
    message: str
    unknown: bool  # missing data, not an unmet rule
    test: Callable  # row -> bool
    sql: Callable  # () -> SQL condition


def reasons_for(post, model=ReserveCandidate):
    """The rules a person (a row of `model`) must meet for `post`, as Reasons
    (a model other than Cadre is read like a reserve candidate)."""
    s = SUBJECTS.get(model) or SUBJECTS[ReserveCandidate]
    m = s.model
    rules = settings.get("VILLAGEAID_ELIGIBILITY").get(post) or {}
    reasons = []
    max_age = rules.get("max_age")
    if max_age is not None:
        # born on or before this day: older than max_age on the election date
        oldest = years_before(election_date(), max_age + 1)
        reasons += [
            Reason(_("Birth date unknown, so the age limit cannot be checked."), True,
                   lambda p: s.birth_date(p) is None, s.birth_unknown),
            Reason(_("Over the age limit of %(limit)d on the election date.", limit=max_age), False,
                   lambda p: s.birth_date(p) is not None and s.birth_date(p) <= oldest,
                   lambda: s.born_on_or_before(oldest)),
        ]
    minimum = rules.get("min_education")
    if minimum:
        below = [code for code in EDUCATION.codes if EDUCATION_RANK[code] < EDUCATION_RANK[minimum]]
        reasons.append(Reason(_("Education unknown, so the minimum cannot be checked."), True,
                              lambda p: p.education is None, lambda: m.education.is_(None)))
        if below:
            reasons.append(Reason(_("Education below the minimum (%(minimum)s).", minimum=EDUCATION.label(minimum)),
                                  False, lambda p: p.education in below, lambda: m.education.in_(below)))
    if rules.get("party_member"):
        reasons += [
            Reason(_("Political status unknown, so party membership cannot be checked."), True,
                   lambda p: p.political_status is None, lambda: m.political_status.is_(None)),
            Reason(_("This post needs a full CPC member."), False,
                   lambda p: p.political_status is not None and p.political_status != "party_member",
                   lambda: m.political_status != "party_member"),
        ]
        years = rules.get("min_party_years") or 0
        if years:
            # joined after this day: under `years` of standing on the election date
            latest = years_before(election_date(), years)
            member = lambda p: p.political_status == "party_member"  # noqa: E731
            reasons += [
                Reason(_("Party join date unknown, so party standing cannot be checked."), True,
                       lambda p: member(p) and p.party_join_date is None,
                       lambda: and_(m.political_status == "party_member", m.party_join_date.is_(None))),
                Reason(_("Less than %(years)d year(s) of party standing on the election date.", years=years), False,
                       lambda p: member(p) and p.party_join_date is not None and p.party_join_date > latest,
                       lambda: and_(m.political_status == "party_member", m.party_join_date > latest)),
            ]
    return reasons


@dataclass
class Verdict:
    status: str  # ELIGIBLE, INELIGIBLE or UNKNOWN
    messages: list  # the unmet and unknown rules, in the user's language

    def label(self):
        return VERDICT_LABELS[self.status]()

    def text(self):
        return " ".join(self.messages) or _("Eligible")


VERDICT_LABELS = {ELIGIBLE: lambda: _("Eligible"), INELIGIBLE: lambda: _("Not eligible"),
                  UNKNOWN: lambda: _("Unknown")}


def judge(person, post, model=None):
    """The verdict on `person` (a reserve candidate or a village cadre; read
    as a row of `model`, default its own class) for `post` (a target post:
    secretary, director, both, member)."""
    found = [r for r in reasons_for(post, model or type(person)) if r.test(person)]
    if any(not r.unknown for r in found):
        status = INELIGIBLE
    elif found:
        status = UNKNOWN
    else:
        status = ELIGIBLE
    return Verdict(status, [r.message for r in found])


def issues(candidate):
    """The unmet and unknown rules of a candidate for its target post."""
    return judge(candidate, candidate.target_post).messages


def describe(candidate):
    return judge(candidate, candidate.target_post).text()


def _posts():
    return settings.get("VILLAGEAID_ELIGIBILITY").keys()


def eligible_condition(post, model=ReserveCandidate):
    """SQL: a row of `model` meets every rule of `post` (none unmet or unknown)."""
    reasons = reasons_for(post, model)
    return not_(or_(*[r.sql() for r in reasons])) if reasons else literal(True)


def issues_condition():
    """SQL: the candidate has at least one rule unmet or unknown."""
    C = ReserveCandidate
    tracks = [
        and_(C.target_post == post, or_(*[r.sql() for r in reasons]))
        for post in _posts()
        for reasons in [reasons_for(post)]
        if reasons
    ]
    return or_(*tracks) if tracks else false()


def describe_expression():
    """SQL giving the same text as describe(), for exports."""
    C = ReserveCandidate
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
