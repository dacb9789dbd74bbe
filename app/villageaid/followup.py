"""Follow-up in villages that exited poverty: the follow-up set, the
reference date, the monthly sums, and the decline alerts (少了资金, 弱了帮扶,
淡了感情), stored so that they are taken up and closed.

Alerts compare the same period: this year from 1 January to the reference
date against last year from 1 January to the same calendar day (29 February
becomes the 28th), so that January raises no false alarm. Both periods are
sums of months (va_followup_month) plus the reference month up to the day
(models.followup.FollowUpYear).
"""
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, delete, exists, extract, func, insert, or_, select, true

from . import scope, writes
from .choices import ALERT_KINDS
from .eligibility import years_before
from .models import Cadre, FollowUpAlert, FollowUpMonth, FollowUpRecord, FollowUpYear, Town, Unit, Village
from .models.figures import bump_all
from .models.followup import alert_period_of, month_figures, year_columns
from . import settings, timefmt
from .validators import money_text_of

log = logging.getLogger(__name__)


def exit_years():
    return list(settings.get("VILLAGEAID_FOLLOWUP_EXIT_YEARS"))


def in_followup_set(village=Village):
    """SQL: the village exited poverty in one of the follow-up years, or is a
    focus village put in the follow-up set (followup_since)."""
    return or_(village.exit_year.in_(exit_years()), village.followup_since.isnot(None))


def village_in_set(village):
    return village.exit_year in exit_years() or village.followup_since is not None


def first_year(village):
    """The first year of a village in the follow-up set."""
    return village.followup_since.year if village.followup_since is not None else village.exit_year


def reference_date():
    return timefmt.reference_date()


def periods(day=None):
    """((this year's start, day), (last year's start, same day last year))."""
    day = day or reference_date()
    return (date(day.year, 1, 1), day), (date(day.year - 1, 1, 1), years_before(day, 1))


# --- monthly sums, maintained on write ---------------------------------------


def refresh_month(session, village_id, year, month, leave_out=None):
    """Recompute one village's sums of one month from its live records
    (`leave_out`: the id of a record about to go to the bin)."""
    r = FollowUpRecord
    m = FollowUpMonth
    session.execute(delete(m).where(m.village_id == village_id, m.year == year, m.month == month))
    where = [r.village_id == village_id, r.deleted_on.is_(None),
             r.date >= date(year, month, 1), r.date < (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1))]
    if leave_out is not None:
        where.append(r.id != leave_out)
    figures = session.execute(select(*month_figures(r)).where(*where)).one()
    if figures.records:
        values = dict(figures._mapping)
        values["funds"] = FollowUpMonth.funds.type.process_result_value(values["funds"], None)
        session.execute(insert(m).values(village_id=village_id, year=year, month=month, **values))


@writes.on_change
def _keep_months(change, session):
    if not isinstance(change.item, FollowUpRecord) or change.kind == "purge":
        return  # a purged record was in the bin: counted nowhere already
    item = change.item
    keys = set()
    if change.before.get("date") is not None and change.before.get("village_id") is not None:
        keys.add((change.before["village_id"], change.before["date"].year, change.before["date"].month))
    if change.kind != "delete" and item.date is not None:
        keys.add((item.village_id, item.date.year, item.date.month))
    for village_id, year, month in sorted(keys):
        refresh_month(session, village_id, year, month, leave_out=item.id if change.kind == "delete" else None)


def rebuild_months(session):
    """Recompute every monthly sum from the records (the migration's
    backfill; after rows were written around the write path, e.g. a bulk
    load)."""
    r = FollowUpRecord
    session.execute(delete(FollowUpMonth))
    year, month = extract("year", r.date), extract("month", r.date)
    source = (select(r.village_id, year, month, *month_figures(r))
              .where(r.deleted_on.is_(None)).group_by(r.village_id, year, month))
    columns = ["village_id", "year", "month", "records", "visits", "households", "funds", "projects",
               "problems_open", "problems_closed"]
    session.execute(insert(FollowUpMonth).from_select(columns, source))
    bump_all(session)


# --- alerts --------------------------------------------------------------------


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
    town_id: int = None
    id: int = None
    status: str = "open"

    def as_dict(self):
        return {"id": self.id, "kind": self.kind, "village_id": self.village_id, "village": self.village,
                "town": self.town, "unit": self.unit, "reason": self.reason, "status": self.status,
                "this_period": None if self.this_period is None else str(self.this_period),
                "last_period": None if self.last_period is None else str(self.last_period)}


def dropped(this, last, percent, minimum):
    """Did a figure drop from `last` to `this` by at least `percent` per cent
    AND at least `minimum`? A zero last time is never a drop."""
    this, last = Decimal(str(this or 0)), Decimal(str(last or 0))
    if last <= 0:
        return False
    drop = last - this
    return drop >= Decimal(str(minimum)) and drop * 100 >= Decimal(str(percent)) * last


def thresholds():
    return {
        "FUNDS_DROP_PERCENT": settings.get("VILLAGEAID_ALERT_FUNDS_DROP_PERCENT"),
        "FUNDS_DROP_MIN": settings.get("VILLAGEAID_ALERT_FUNDS_DROP_MIN"),
        "VISITS_DROP_PERCENT": settings.get("VILLAGEAID_ALERT_VISITS_DROP_PERCENT"),
        "VISITS_DROP_MIN": settings.get("VILLAGEAID_ALERT_VISITS_DROP_MIN"),
    }


def too_many_villages(viewer, limit, town_id=None, unit_id=None):
    """Does the scope (of a town, of a unit) hold more than `limit` follow-up
    villages? Counted up to limit + 1, so a national scope costs no more."""
    if not limit:
        return False
    query = scope.rows(viewer, Village, Village.id).where(in_followup_set())
    if town_id:
        query = query.where(Village.town_id == town_id)
    if unit_id:
        query = query.where(Village.unit_id == unit_id)
    first = query.limit(limit + 1).subquery()
    return current_app.appbuilder.session.execute(select(func.count()).select_from(first)).scalar() > limit


def alerts(viewer, kinds=None, town_id=None, unit_id=None):
    """The alerts of the follow-up villages `viewer` may see, as of the
    reference date."""
    day = reference_date()
    r = FollowUpRecord
    # the village's figures of the reference year, to date (looked up per village)
    y = year_columns(Village.id, day.year, true())
    last_visit = (select(func.max(r.date))
                  .where(r.village_id == Village.id, r.kind == "visit", r.deleted_on.is_(None), r.date <= day)
                  .scalar_subquery())
    any_record = exists().where(r.village_id == Village.id, r.deleted_on.is_(None))
    has_cadre = exists().where(Cadre.village_id == Village.id, Cadre.kind == "resident", Cadre.status == "active",
                               Cadre.deleted_on.is_(None))
    query = (
        scope.rows(viewer, Village, Village.id, Village.name, Town.name, Unit.name, Village.town_id,
                   Village.unit_id, y["funds"], y["funds_before"], y["visits"], y["visits_before"], last_visit,
                   any_record, has_cadre)
        .join(Town, Town.id == Village.town_id)
        .outerjoin(Unit, Unit.id == Village.unit_id)
        .where(in_followup_set())
        .order_by(Town.name, Village.name)
    )
    if town_id:
        query = query.where(Village.town_id == town_id)
    if unit_id:
        query = query.where(Village.unit_id == unit_id)
    limit = settings.get("VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS")
    t = thresholds()
    found = []
    for (vid, village, town, unit, tid, uid, funds, funds_last, visits, visits_last, last_visit, records,
         cadre) in current_app.appbuilder.session.execute(query):
        place = dict(village_id=vid, village=village, town=town, unit=unit or "", town_id=tid)
        if not cadre:
            found.append(Alert("no_cadre", reason=_("No resident cadre on duty in the village."), **place))
        if uid is None:
            found.append(Alert("no_unit", reason=_("No unit is stationed in the village."), **place))
        if not records:
            found.append(Alert("no_record", reason=_("No follow-up record at all."), **place))
            continue
        funds, funds_last = funds or Decimal("0.00"), funds_last or Decimal("0.00")
        if dropped(funds, funds_last, t["FUNDS_DROP_PERCENT"], t["FUNDS_DROP_MIN"]):
            found.append(Alert("less_funds", this_period=funds, last_period=funds_last, reason=_(
                "Funds %(this)s (10k yuan) this year to date, %(last)s in the same period last year "
                "(threshold: a drop of %(percent)s%% and of %(minimum)s (10k yuan)).",
                this=funds, last=funds_last, percent=t["FUNDS_DROP_PERCENT"], minimum=t["FUNDS_DROP_MIN"]),
                **place))
        if dropped(visits, visits_last, t["VISITS_DROP_PERCENT"], t["VISITS_DROP_MIN"]):
            found.append(Alert("fewer_visits", this_period=visits, last_period=visits_last, reason=_(
                "%(this)d visit(s) this year to date, %(last)d in the same period last year "
                "(threshold: a drop of %(percent)s%% and of %(minimum)s visit(s)).",
                this=visits or 0, last=visits_last or 0, percent=t["VISITS_DROP_PERCENT"],
                minimum=t["VISITS_DROP_MIN"]), **place))
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


def overdue_condition(alert=FollowUpAlert):
    """SQL: an alert not closed whose deadline is before the reference date."""
    return and_(alert.status != "closed", alert.deadline < reference_date())


def store_all_alerts(path="cli"):
    """Store the alerts of every follow-up village as of the reference date
    (the scheduled job, and the quick start at each start): (how many alerts
    hold, the stored ones)."""
    viewer = scope.Viewer(sees_all=True)
    found = alerts(viewer)
    return len(found), store_alerts(viewer, found, path=path)


def store_alerts(viewer, found, *, path):
    """Store the alerts `found` that have no stored alert of their village,
    kind and period yet (a closed one stays closed in its period; the next
    period opens a new one). Returns the stored alerts by (village, kind)."""
    session = current_app.appbuilder.session
    day = reference_date()
    period = alert_period_of(day)
    village_ids = sorted({a.village_id for a in found})
    stored = {}
    for start in range(0, len(village_ids), 500):
        chunk = village_ids[start:start + 500]
        for row in session.query(FollowUpAlert).filter(FollowUpAlert.village_id.in_(chunk),
                                                        FollowUpAlert.period == period):
            stored[(row.village_id, row.kind)] = row
    new = [FollowUpAlert(village_id=a.village_id, town_id=a.town_id, kind=a.kind, period=period, raised_on=day,
                         reason=a.reason, status="open")
           for a in found if (a.village_id, a.kind) not in stored]
    if new:
        try:
            writes.save_all([(item, None, None) for item in new], viewer, path=path)
            for item in new:
                stored[(item.village_id, item.kind)] = item
        except writes.Refused as exc:
            # stored at the same moment by another request: read what it stored
            log.warning("alerts not stored: %s", exc.message())
            for row in session.query(FollowUpAlert).filter(
                    FollowUpAlert.village_id.in_(village_ids[:500]), FollowUpAlert.period == period):
                stored[(row.village_id, row.kind)] = row
    for a in found:
        row = stored.get((a.village_id, a.kind))
        if row is not None:
            a.id, a.status = row.id, row.status
    return stored


def _as_date(value):
    """SQLite returns MAX() of a date as text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def alert_label(kind):
    return ALERT_KINDS.label(kind)


def yearly_visible_condition(model):
    """The yearly summary covers the follow-up set, from each village's first
    year in it (the join of the summary) up to the reference year."""
    return and_(in_followup_set(model), model.year <= reference_date().year)


YEARLY_FIGURES = ("records", "visits", "visits_before", "visits_change", "households", "funds", "funds_before",
                  "funds_change", "projects", "problems_open", "problems_closed")


def yearly_rows(viewer, year=None):
    """The yearly summary rows `viewer` may see (as plain values)."""
    query = scope.visible_query(FollowUpYear, viewer).filter(yearly_visible_condition(FollowUpYear))
    if year is not None:
        query = query.filter(FollowUpYear.year == year)
    rows = []
    for row in query.order_by(FollowUpYear.year.desc(), FollowUpYear.village_id):
        item = {"village_id": row.village_id, "village": row.village.name, "town": row.town.name,
                "unit": row.unit.name if row.unit else None, "year": row.year,
                "to_date": bool(row.to_date), "empty": bool(row.empty)}
        for name in YEARLY_FIGURES:
            value = getattr(row, name)
            item[name] = money_text_of(value) if name.startswith("funds") else int(value)
        rows.append(item)
    return rows


# --- open and overdue stored alerts per responsible unit and per town -----------


@dataclass
class AlertCountRow:
    key: object  # the town's or unit's id (None: no responsible unit yet)
    name: str
    open: int = 0  # not closed
    overdue: int = 0


def alert_counts(viewer):
    """The stored alerts `viewer` may see that are not closed, and the
    overdue among them, per responsible unit and per town: (unit rows, town
    rows, total row). One statement, grouped by town and unit in SQL; the two
    tables are its sums."""
    a = FollowUpAlert
    query = (
        scope.rows(viewer, a, a.town_id, Town.name, a.responsible_unit_id, Unit.name, func.count(a.id),
                   func.sum(case((overdue_condition(), 1), else_=0)))
        .join(Town, Town.id == a.town_id)
        .outerjoin(Unit, Unit.id == a.responsible_unit_id)
        .where(a.status != "closed")
        .group_by(a.town_id, Town.name, a.responsible_unit_id, Unit.name)
    )
    towns, units, total = {}, {}, AlertCountRow(None, _("Total"))
    for town_id, town, unit_id, unit, n, late in current_app.appbuilder.session.execute(query):
        n, late = int(n), int(late or 0)
        for rows, key, name in ((towns, town_id, town), (units, unit_id, unit)):
            row = rows.setdefault(key, AlertCountRow(key, name or _("(not taken up yet: no responsible unit)")))
            row.open += n
            row.overdue += late
        total.open += n
        total.overdue += late

    def ordered(rows):
        # by name; the alerts without a responsible unit last
        return sorted(rows.values(), key=lambda r: (r.key is None, r.name))

    return ordered(units), ordered(towns), total
