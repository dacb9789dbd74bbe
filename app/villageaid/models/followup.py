"""Follow-up in villages that exited poverty (2017年出列贫困村跟进帮扶)."""
from decimal import Decimal

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    extract,
    func,
    select,
    type_coerce,
)
from datetime import date
from sqlalchemy.orm import relationship
from sqlalchemy.types import TypeDecorator

from .. import choices, settings
from .base import Record, Recyclable
from .reference import Town, Unit, Village


FEN_PER_WAN = 1_000_000  # 1 万元 = 10,000 元 = 1,000,000 分


def money_value(fen):
    """An amount kept in fen as 万元: two decimals when it is whole hundreds
    of yuan, else the six decimals it needs to be exact."""
    amount = Decimal(int(fen)).scaleb(-6)
    two = amount.quantize(Decimal("0.01"))
    return two if two == amount else amount.quantize(Decimal("0.000001"))


class Money(TypeDecorator):
    """An exact amount shown in 万元, stored as an integer number of fen
    (分, hundredths of a yuan; six decimals of 万元), so that a 350.50-yuan
    entry is kept exactly and sums are exact on every database (SQLite has
    no exact decimal type)."""

    impl = BigInteger
    cache_ok = True

    @property
    def python_type(self):
        return Decimal

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        fen = Decimal(value) * FEN_PER_WAN
        if fen != fen.to_integral_value():
            raise ValueError("an amount is exact to the fen (six decimals of 10k yuan)")
        return int(fen)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return money_value(value)


class FollowUpRecord(Record, Recyclable, Model):
    """跟进帮扶记录."""

    __tablename__ = "va_followup_record"
    __label__ = _l("Follow-up record")
    __record_code__ = "GZ"  # its export's 记录编号: GZ-<id> (no natural key to match an import by)
    __table_args__ = (
        CheckConstraint("funds IS NULL OR funds >= 0", name="ck_va_followup_funds"),
        CheckConstraint("households_visited IS NULL OR households_visited >= 0", name="ck_va_followup_households"),
        # a village's records of some days (a month so far, the same days last
        # year): the figures to date look them up per village
        Index("ix_va_followup_record_village_date", "village_id", "date"),
    )
    id = Column(Integer, primary_key=True)
    village_id = Column(Integer, ForeignKey("va_village.id"), nullable=False, index=True)
    village = relationship(Village, lazy="joined", innerjoin=True)
    date = Column(Date, nullable=False, index=True)
    kind = Column(String(20), nullable=False, index=True, info={"choices": choices.FOLLOWUP_KINDS})
    unit_id = Column(Integer, ForeignKey("va_unit.id"), index=True)
    unit = relationship(Unit, lazy="joined")
    funds = Column(Money)
    project = Column(String(200))
    households_visited = Column(Integer)
    participants = Column(String(500))
    description = Column(Text)
    problems = Column(Text)
    rectification = Column(String(20), nullable=False, default="none", index=True,
                           info={"choices": choices.RECTIFICATION})

    def __str__(self):
        return "%s %s" % (self.village, self.date)


class CalendarYear(Model):
    """The years 2000–2100, to list every year of a village, also the empty ones."""

    __tablename__ = "va_calendar_year"
    year = Column(Integer, primary_key=True, autoincrement=False)


class FollowUpMonth(Model):
    """The follow-up figures of one village in one calendar month, maintained
    on every write of a follow-up record (followup.refresh_months, through
    writes.on_change), so that a year, or a year to date, is a sum of months
    (plus the one partial month computed from the records)."""

    __tablename__ = "va_followup_month"
    village_id = Column(Integer, ForeignKey("va_village.id"), primary_key=True, autoincrement=False)
    year = Column(Integer, primary_key=True, autoincrement=False, index=True)
    month = Column(Integer, primary_key=True, autoincrement=False)
    records = Column(Integer, nullable=False, default=0)
    visits = Column(Integer, nullable=False, default=0)
    households = Column(Integer, nullable=False, default=0)
    funds = Column(Money, nullable=False, default=0)
    projects = Column(Integer, nullable=False, default=0)
    problems_open = Column(Integer, nullable=False, default=0)
    problems_closed = Column(Integer, nullable=False, default=0)


MONTH_FIGURES = ("records", "visits", "households", "funds", "projects", "problems_open", "problems_closed")


def month_figures(r):
    """SQL sums of the records `r` per MONTH_FIGURES (for a GROUP BY)."""
    return (
        func.count(r.id).label("records"),
        func.coalesce(func.sum(case((r.kind == "visit", 1), else_=0)), 0).label("visits"),
        func.coalesce(func.sum(r.households_visited), 0).label("households"),
        type_coerce(func.coalesce(func.sum(r.funds), 0), BigInteger).label("funds"),
        func.coalesce(func.sum(case((r.kind == "project", 1), else_=0)), 0).label("projects"),
        func.coalesce(func.sum(case((r.rectification == "in_progress", 1), else_=0)), 0).label("problems_open"),
        func.coalesce(func.sum(case((r.rectification == "done", 1), else_=0)), 0).label("problems_closed"),
    )


def _reference():
    from ..followup import reference_date
    return reference_date()


# The reference date, read when a statement runs (a setting the office changes).
REF_YEAR = bindparam("va_ref_year", callable_=lambda: _reference().year, type_=Integer)
REF_MONTH = bindparam("va_ref_month", callable_=lambda: _reference().month, type_=Integer)
REF_DAY = bindparam("va_ref_day", callable_=lambda: _reference().day, type_=Integer)
PARTIAL_FROM = bindparam("va_partial_from", type_=Date,
                         callable_=lambda: date(_reference().year - 1, _reference().month, 1))
PARTIAL_TO = bindparam("va_partial_to", type_=Date, callable_=lambda: _reference())


def start_year(village):
    """SQL: the first year of a village in the follow-up set: the year it
    joined (a focus village) or its exit year."""
    return case((village.followup_since.isnot(None), extract("year", village.followup_since)),
                else_=village.exit_year)


# A village's figure of a year is looked up for that village and year
# (correlated sums over the primary key of its months and the index of its
# records): a page, a scope's total or one village's alerts cost what their
# own villages cost, never a sum of every village's months first.

def _months_part(village_id, year, name, to_date):
    """The sum of the village's months of `year`: the whole year, or (to
    date) the months before the reference month."""
    m = FollowUpMonth.__table__.c
    value = case((and_(to_date, m.month >= REF_MONTH), 0), else_=m[name])
    total = func.coalesce(func.sum(value), 0)
    return select(total).where(m.village_id == village_id, m.year == year).scalar_subquery()


def _partial_month(village_id, year, name):
    """The village's records of the reference month of `year` up to the
    reference day (29 February counts with the 28th in a common year: no
    such day)."""
    r = FollowUpRecord
    figure = dict(zip(MONTH_FIGURES, month_figures(r)))[name]
    return (
        select(figure)
        .where(r.village_id == village_id, r.deleted_on.is_(None), r.date >= PARTIAL_FROM, r.date <= PARTIAL_TO,
               extract("month", r.date) == REF_MONTH, extract("day", r.date) <= REF_DAY,
               extract("year", r.date) == year)
        .scalar_subquery()
    )


def _figure(village_id, year, name, to_date):
    """A year's figure: the whole year, or for the reference year the months
    before the reference month plus the partial month."""
    whole_or_early, partial = _months_part(village_id, year, name, to_date), _partial_month(village_id, year, name)
    if name == "funds":
        whole_or_early, partial = type_coerce(whole_or_early, BigInteger), type_coerce(partial, BigInteger)
    return whole_or_early + case((to_date, func.coalesce(partial, 0)), else_=0)


def year_columns(village_id, year, to_date):
    """{label: SQL} of a village's figures of `year` (`to_date`: is it the
    reference year, so to date), with the year before for the figures
    compared (visits, funds): the yearly summary's columns, and what the
    alerts read of one village."""
    columns = {}
    for name in MONTH_FIGURES:
        this = _figure(village_id, year, name, to_date)
        if name in ("funds", "visits"):
            before = _figure(village_id, year - 1, name, to_date)
            kind = (lambda c: type_coerce(c, Money)) if name == "funds" else (lambda c: c)
            columns[name] = kind(this).label(name)
            columns[name + "_before"] = kind(before).label(name + "_before")
            columns[name + "_change"] = kind(this - before).label(name + "_change")
        else:
            columns[name] = this.label(name)
    return columns


_to_date = CalendarYear.year == REF_YEAR
_year_columns = year_columns(Village.id, CalendarYear.year, _to_date)

FOLLOWUP_YEAR_SELECT = (
    select(
        Village.id.label("village_id"),
        CalendarYear.year.label("year"),
        Village.town_id.label("town_id"),
        Village.unit_id.label("unit_id"),
        Village.exit_year.label("exit_year"),
        Village.followup_since.label("followup_since"),
        _to_date.label("to_date"),
        (_year_columns["records"].element == 0).label("empty"),
        *_year_columns.values(),
    )
    .select_from(Village)
    .join(CalendarYear, CalendarYear.year >= start_year(Village))
    .where(Village.deleted_on.is_(None))
    .subquery("va_followup_year")
)


class FollowUpYear(Model):
    """跟进帮扶年度汇总: one row per village and year from its first year in
    the follow-up set on (read-only; a query over the monthly sums). A
    finished year is compared with the whole year before; the reference year
    (to date) with the same days of the year before. An empty year is
    flagged."""

    __table__ = FOLLOWUP_YEAR_SELECT
    __label__ = _l("Yearly follow-up summary")
    __mapper_args__ = {"primary_key": [FOLLOWUP_YEAR_SELECT.c.village_id, FOLLOWUP_YEAR_SELECT.c.year]}
    village = relationship(Village, primaryjoin=FOLLOWUP_YEAR_SELECT.c.village_id == Village.id,
                           foreign_keys=[FOLLOWUP_YEAR_SELECT.c.village_id], viewonly=True, lazy="joined")
    town = relationship(Town, primaryjoin=FOLLOWUP_YEAR_SELECT.c.town_id == Town.id,
                        foreign_keys=[FOLLOWUP_YEAR_SELECT.c.town_id], viewonly=True, lazy="joined")
    unit = relationship(Unit, primaryjoin=FOLLOWUP_YEAR_SELECT.c.unit_id == Unit.id,
                        foreign_keys=[FOLLOWUP_YEAR_SELECT.c.unit_id], viewonly=True, lazy="joined")


def alert_period_of(day):
    """The period an alert of `day` belongs to (VILLAGEAID_ALERT_PERIOD):
    2021-06 (month), 2021-Q2 (quarter) or 2021 (year)."""
    kind = settings.get("VILLAGEAID_ALERT_PERIOD")
    if kind == "year":
        return "%04d" % day.year
    if kind == "quarter":
        return "%04d-Q%d" % (day.year, (day.month - 1) // 3 + 1)
    return "%04d-%02d" % (day.year, day.month)


class FollowUpAlert(Record, Model):
    """A stored decline alert (预警), one per village, kind and period, taken
    up (处置: note, responsible unit, deadline) and closed with the result."""

    __tablename__ = "va_followup_alert"
    __label__ = _l("Follow-up alert")
    __table_args__ = (
        UniqueConstraint("village_id", "kind", "period", name="uq_va_followup_alert"),
    )
    id = Column(Integer, primary_key=True)
    village_id = Column(Integer, ForeignKey("va_village.id"), nullable=False, index=True)
    village = relationship(Village, lazy="joined", innerjoin=True)
    town_id = Column(Integer, ForeignKey("va_town.id"), nullable=False, index=True)
    town = relationship(Town, lazy="joined", innerjoin=True)
    kind = Column(String(20), nullable=False, index=True, info={"choices": choices.ALERT_KINDS})
    period = Column(String(10), nullable=False, index=True)
    raised_on = Column(Date, nullable=False, index=True)
    reason = Column(Text, nullable=False)
    status = Column(String(20), nullable=False, default="open", index=True, info={"choices": choices.ALERT_STATUSES})
    note = Column(Text)
    responsible_unit_id = Column(Integer, ForeignKey("va_unit.id"), index=True)
    responsible_unit = relationship(Unit, lazy="joined")
    deadline = Column(Date, index=True)
    result = Column(Text)
    closed_on = Column(Date)

    def __str__(self):
        return "%s %s %s" % (self.village, choices.ALERT_KINDS.label(self.kind), self.period)
