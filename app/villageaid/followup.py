"""Follow-up in villages that exited poverty: the follow-up set, the
reference date, and the decline alerts (少了资金, 弱了帮扶, 淡了感情).

Alerts compare the same period: this year from 1 January to the reference
date against last year from 1 January to the same calendar day (29 February
becomes the 28th), so that January raises no false alarm.
"""
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, func

from . import scope
from .choices import ALERT_KINDS
from .eligibility import years_before
from .models import FollowUpRecord, FollowUpYear, Town, Unit, Village
from . import settings, timefmt


def exit_years():
    return list(settings.get("VILLAGEAID_FOLLOWUP_EXIT_YEARS"))


def in_followup_set():
    """SQL: the village exited poverty in one of the follow-up years."""
    return Village.exit_year.in_(exit_years())


def reference_date():
    return timefmt.reference_date()


def periods(day=None):
    """((this year's start, day), (last year's start, same day last year))."""
    day = day or reference_date()
    return (date(day.year, 1, 1), day), (date(day.year - 1, 1, 1), years_before(day, 1))


@dataclass
class Alert:
    kind: str
    village_id: int
    village: str
    town: str
    unit: str
    reason: str
    this_period: object = None
    last_period: object = None

    def as_dict(self):
        return {"kind": self.kind, "village_id": self.village_id, "village": self.village, "town": self.town,
                "unit": self.unit, "reason": self.reason,
                "this_period": None if self.this_period is None else str(self.this_period),
                "last_period": None if self.last_period is None else str(self.last_period)}


def _between(column, period):
    return and_(column >= period[0], column <= period[1])


def alerts(viewer, day=None, kinds=None, town_id=None, unit_id=None):
    """The alerts of the follow-up villages `viewer` may see."""
    day = day or reference_date()
    this, last = periods(day)
    r = FollowUpRecord
    zero = func.coalesce
    query = (
        scope.rows(
            viewer, Village,
            Village.id, Village.name, Town.name, Unit.name,
            zero(func.sum(case((_between(r.date, this), r.funds), else_=None)), 0),
            zero(func.sum(case((_between(r.date, last), r.funds), else_=None)), 0),
            func.sum(case((and_(r.kind == "visit", _between(r.date, this)), 1), else_=0)),
            func.sum(case((and_(r.kind == "visit", _between(r.date, last)), 1), else_=0)),
            func.max(case((and_(r.kind == "visit", r.date <= day), r.date), else_=None)),
            func.count(r.id),
        )
        .join(Town, Town.id == Village.town_id)
        .outerjoin(Unit, Unit.id == Village.unit_id)
        .outerjoin(r, and_(r.village_id == Village.id, r.deleted_on.is_(None)))
        .where(in_followup_set())
        .group_by(Village.id, Village.name, Town.name, Unit.name)
        .order_by(Town.name, Village.name)
    )
    if town_id:
        query = query.where(Village.town_id == town_id)
    if unit_id:
        query = query.where(Village.unit_id == unit_id)
    limit = settings.get("VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS")
    found = []
    for vid, village, town, unit, funds, funds_last, visits, visits_last, last_visit, records in (
        current_app.appbuilder.session.execute(query)
    ):
        place = dict(village_id=vid, village=village, town=town, unit=unit or "")
        if not records:
            found.append(Alert("no_record", reason=_("No follow-up record at all."), **place))
            continue
        if funds < funds_last:
            found.append(Alert("less_funds", this_period=funds, last_period=funds_last,
                               reason=_("Funds %(this)s (10k yuan) this year to date, %(last)s in the same period last year.",
                                        this=funds, last=funds_last), **place))
        if (visits or 0) < (visits_last or 0):
            found.append(Alert("fewer_visits", this_period=visits, last_period=visits_last,
                               reason=_("%(this)d visit(s) this year to date, %(last)d in the same period last year.",
                                        this=visits or 0, last=visits_last or 0), **place))
        last_visit = _as_date(last_visit)
        if last_visit is None:
            found.append(Alert("no_recent_visit", reason=_("No visit on record."), **place))
        elif (day - last_visit).days > limit:
            found.append(Alert("no_recent_visit", this_period=last_visit,
                               reason=_("Last visit on %(date)s, %(days)d days ago (limit %(limit)d).",
                                        date=last_visit.isoformat(), days=(day - last_visit).days, limit=limit),
                               **place))
    if kinds:
        found = [a for a in found if a.kind in kinds]
    return found


def _as_date(value):
    """SQLite returns MAX() of a date as text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def alert_label(kind):
    return ALERT_KINDS.label(kind)


def yearly_visible_condition(model):
    """The yearly summary covers the follow-up set up to the reference year."""
    return and_(model.exit_year.in_(exit_years()), model.year <= reference_date().year)



YEARLY_FIGURES = ("visits", "visits_change", "households", "funds", "funds_change", "projects",
                  "problems_open", "problems_closed")


def yearly_rows(viewer, year=None):
    """The yearly summary rows `viewer` may see (as plain values)."""
    query = scope.visible_query(FollowUpYear, viewer).filter(yearly_visible_condition(FollowUpYear))
    if year is not None:
        query = query.filter(FollowUpYear.year == year)
    rows = []
    for row in query.order_by(FollowUpYear.year.desc(), FollowUpYear.village_id):
        item = {"village_id": row.village_id, "village": row.village.name, "town": row.town.name,
                "unit": row.unit.name if row.unit else None, "year": row.year}
        for name in YEARLY_FIGURES:
            value = getattr(row, name)
            item[name] = str(value) if name.startswith("funds") else int(value)
        rows.append(item)
    return rows
