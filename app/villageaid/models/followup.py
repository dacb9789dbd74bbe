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
    Integer,
    String,
    Text,
    and_,
    case,
    extract,
    func,
    select,
    type_coerce,
)
from sqlalchemy.orm import relationship
from sqlalchemy.types import TypeDecorator

from .. import choices
from .base import Record, Recyclable
from .reference import Town, Unit, Village


class Money(TypeDecorator):
    """An exact amount with two decimals (万元), stored as an integer number
    of hundredths, so that sums are exact on every database (SQLite has no
    exact decimal type)."""

    impl = BigInteger
    cache_ok = True

    @property
    def python_type(self):
        return Decimal

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        hundredths = Decimal(value) * 100
        if hundredths != hundredths.to_integral_value():
            raise ValueError("an amount has at most two decimals")
        return int(hundredths)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


class FollowUpRecord(Record, Recyclable, Model):
    """跟进帮扶记录."""

    __tablename__ = "va_followup_record"
    __label__ = _l("Follow-up record")
    __table_args__ = (
        CheckConstraint("funds IS NULL OR funds >= 0", name="ck_va_followup_funds"),
        CheckConstraint("households_visited IS NULL OR households_visited >= 0", name="ck_va_followup_households"),
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


def _yearly_figures():
    r = FollowUpRecord
    year = extract("year", r.date)
    return (
        select(
            r.village_id.label("village_id"),
            year.label("year"),
            func.sum(case((r.kind == "visit", 1), else_=0)).label("visits"),
            func.coalesce(func.sum(r.households_visited), 0).label("households"),
            type_coerce(func.coalesce(func.sum(r.funds), 0), BigInteger).label("funds"),
            func.sum(case((r.kind == "project", 1), else_=0)).label("projects"),
            func.sum(case((r.rectification == "in_progress", 1), else_=0)).label("problems_open"),
            func.sum(case((r.rectification == "done", 1), else_=0)).label("problems_closed"),
        )
        .where(r.deleted_on.is_(None))
        .group_by(r.village_id, year)
        .subquery()
    )


_current = _yearly_figures()
_previous = _yearly_figures()
_zero = func.coalesce

FOLLOWUP_YEAR_SELECT = (
    select(
        Village.id.label("village_id"),
        CalendarYear.year.label("year"),
        Village.town_id.label("town_id"),
        Village.unit_id.label("unit_id"),
        Village.exit_year.label("exit_year"),
        _zero(_current.c.visits, 0).label("visits"),
        _zero(_current.c.households, 0).label("households"),
        type_coerce(_zero(_current.c.funds, 0), Money).label("funds"),
        _zero(_current.c.projects, 0).label("projects"),
        _zero(_current.c.problems_open, 0).label("problems_open"),
        _zero(_current.c.problems_closed, 0).label("problems_closed"),
        (_zero(_current.c.visits, 0) - _zero(_previous.c.visits, 0)).label("visits_change"),
        type_coerce(_zero(_current.c.funds, 0) - _zero(_previous.c.funds, 0), Money).label("funds_change"),
    )
    .select_from(Village)
    .join(CalendarYear, CalendarYear.year >= Village.exit_year)
    .outerjoin(_current, and_(_current.c.village_id == Village.id, _current.c.year == CalendarYear.year))
    .outerjoin(_previous, and_(_previous.c.village_id == Village.id, _previous.c.year == CalendarYear.year - 1))
    .where(Village.deleted_on.is_(None))
    .subquery("va_followup_year")
)


class FollowUpYear(Model):
    """跟进帮扶年度汇总: one row per village and year from its exit year on
    (read-only; a query over the records, not a table)."""

    __table__ = FOLLOWUP_YEAR_SELECT
    __label__ = _l("Yearly follow-up summary")
    __mapper_args__ = {"primary_key": [FOLLOWUP_YEAR_SELECT.c.village_id, FOLLOWUP_YEAR_SELECT.c.year]}
    village = relationship(Village, primaryjoin=FOLLOWUP_YEAR_SELECT.c.village_id == Village.id,
                           foreign_keys=[FOLLOWUP_YEAR_SELECT.c.village_id], viewonly=True, lazy="joined")
    town = relationship(Town, primaryjoin=FOLLOWUP_YEAR_SELECT.c.town_id == Town.id,
                        foreign_keys=[FOLLOWUP_YEAR_SELECT.c.town_id], viewonly=True, lazy="joined")
    unit = relationship(Unit, primaryjoin=FOLLOWUP_YEAR_SELECT.c.unit_id == Unit.id,
                        foreign_keys=[FOLLOWUP_YEAR_SELECT.c.unit_id], viewonly=True, lazy="joined")
