"""The home page (工作台): the figures of the signed-in user's scope.

Plain functions over scoped queries (scope.rows and the report functions
of training, reserve and followup), so that every figure counts exactly
what the list it links to counts. Each figure is computed only when the
caller may open its list; the number of statements does not depend on how
many rows there are.
"""
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import BigInteger, and_, case, extract, func, or_, select, type_coerce

from . import countyfigures, followup, reserve, scope, training
from .choices import ALERT_KINDS
from .models import FollowUpAlert, FollowUpMonth, FollowUpRecord, Village
from .models.followup import MONTH_FIGURES, month_figures, money_value, start_year
from .validators import money_text_of

OPEN = FollowUpAlert.status != "closed"
FIRST_OPEN_ALERTS = 5  # open alerts listed in the to-do block


@dataclass
class Alerts:
    open: int = 0
    overdue: int = 0
    by_kind: list = field(default_factory=list)  # [(kind, open, overdue)]
    first: list = field(default_factory=list)  # the first open alerts, overdue first


@dataclass
class Followup:
    year: int
    funds: object
    funds_before: object
    visits: int
    visits_before: int


def has_scope(viewer):
    return viewer.sees_all or viewer.has_scope


def coverage_grouping(viewer):
    """Per division for a scope that spans several counties (per province,
    prefecture or county: training.first_level), per dispatching unit for a
    user whose scope is units only, else per town."""
    level = training.first_level(viewer)
    if level is not None:
        return level
    return "unit" if viewer.units and not viewer.towns and not viewer.divisions and not viewer.sees_all else "town"


def coverage(viewer):
    return training.coverage(viewer, coverage_grouping(viewer))


def below_target_query(viewer):
    """SELECT the number of villages below the reserve target (eligible
    candidates) that BelowTargetView lists for `viewer`."""
    return scope.rows(viewer, Village, func.count(Village.id)).where(reserve.below_target_condition())


def below_target_count(viewer):
    figures = countyfigures.read(viewer)
    if figures is not None:
        return figures.below_target
    return current_app.appbuilder.session.execute(below_target_query(viewer)).scalar() or 0


def alert_counts_query(viewer):
    """SELECT (kind, open, overdue) of the stored alerts `viewer` may see
    that are not closed."""
    overdue = followup.overdue_condition()
    return (
        scope.rows(viewer, FollowUpAlert, FollowUpAlert.kind, func.count(FollowUpAlert.id),
                   func.sum(case((overdue, 1), else_=0)))
        .where(OPEN)
        .group_by(FollowUpAlert.kind)
    )


def alerts(viewer):
    """Open (not closed) stored alerts and the overdue among them, per kind,
    and the first few, overdue first: two statements."""
    session = current_app.appbuilder.session
    figures = countyfigures.read(viewer)
    if figures is not None:
        found = figures.alerts
    else:
        found = {kind: (int(n), int(late or 0)) for kind, n, late in session.execute(alert_counts_query(viewer))}
    result = Alerts()
    for kind in ALERT_KINDS.codes:
        n, late = found.get(kind, (0, 0))
        result.open += n
        result.overdue += late
        if n:
            result.by_kind.append((kind, n, late))
    if result.open:
        overdue = followup.overdue_condition()
        first = (
            scope.visible_query(FollowUpAlert, viewer, session)
            .filter(OPEN)
            .order_by(case((overdue, 0), else_=1), FollowUpAlert.deadline, FollowUpAlert.raised_on.desc(),
                      FollowUpAlert.id)
            .limit(FIRST_OPEN_ALERTS)
        )
        result.first = [(a, bool(a.deadline is not None and a.deadline < followup.reference_date()
                                   and a.status != "closed")) for a in first]
    return result


def followup_to_date_queries(viewer, day, by_village=None):
    """The two SELECTs of followup_to_date: (year, funds in fen, visits) of
    the monthly sums before the reference month, and of the month's records
    up to the day. `by_village`: a function that, given a statement over a
    table with a village column, restricts it to the villages and returns
    it (default: those of the follow-up set `viewer` may see)."""
    year = day.year
    villages = (scope.rows(viewer, Village, Village.id)
                .where(followup.in_followup_set(), start_year(Village) <= year))
    by_village = by_village or (lambda statement, column, _villages: statement.where(column.in_(_villages)))
    m, r = FollowUpMonth, FollowUpRecord
    months = by_village(
        select(m.year, func.sum(type_coerce(m.funds, BigInteger)), func.sum(m.visits))
        .where(m.year.in_((year, year - 1)), m.month < day.month).group_by(m.year),
        m.village_id, villages)
    # the reference month's records up to the day, this year and the same days last year
    record_year = extract("year", r.date)
    figures = dict(zip(MONTH_FIGURES, month_figures(r)))
    records = by_village(
        select(record_year, figures["funds"], figures["visits"])
        .where(r.deleted_on.is_(None),
               or_(*[and_(r.date >= date(end.year, day.month, 1), r.date <= end)
                     for _start, end in followup.periods(day)]))
        .group_by(record_year),
        r.village_id, villages)
    return months, records


def followup_to_date(viewer):
    """Follow-up money and visits from 1 January to the reference date,
    against the same days of last year (followup.periods), over the
    follow-up villages of the scope (from each one's first year in the set):
    the monthly sums before the reference month, plus the month's records up
    to the day, as the yearly summary counts its reference year — summed per
    year over those villages (two statements) rather than per village."""
    day = followup.reference_date()
    year = day.year
    figures = countyfigures.read(viewer)
    if figures is not None:
        found = figures.followup
    else:
        found = {y: [0, 0] for y in (year, year - 1)}  # year: [funds in fen, visits]
        session = current_app.appbuilder.session
        for statement in followup_to_date_queries(viewer, day):
            for y, funds, visits in session.execute(statement):
                found[int(y)][0] += int(funds or 0)
                found[int(y)][1] += int(visits or 0)
    (funds, visits), (funds_before, visits_before) = found[year], found[year - 1]
    return Followup(year, money_text_of(money_value(funds)), money_text_of(money_value(funds_before)), visits,
                    visits_before)
