"""Reference data: administrative divisions, towns, units, villages, cadres."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    and_,
    bindparam,
    func,
    select,
)
from sqlalchemy.orm import column_property, relationship

from .. import choices
from .base import Record, Recyclable, focus_threshold, new_cadre_since
from .. import settings


class Division(Record, Model):
    """行政区划: a province, prefecture or county, keyed by its six-digit
    GB/T 2260 code (530000 云南省, 530400 玉溪市, 530428 元江县). One table
    for the three levels: a scope assignment names any of them by one
    reference, and the counties under a division are found by at most two
    steps up the parent chain. The level follows from the code's shape; a
    name is unique within its parent."""

    __tablename__ = "va_division"
    __label__ = _l("Administrative division")
    __table_args__ = (
        UniqueConstraint("parent_id", "name", name="uq_va_division_parent_name"),
    )
    __unique_messages__ = {
        "uq_va_division_parent_name": _l("A division of this name already exists under the same parent."),
    }
    id = Column(Integer, primary_key=True)
    code = Column(String(6), nullable=False, unique=True)
    name = Column(String(100), nullable=False, index=True)
    level = Column(String(20), nullable=False, index=True, info={"choices": choices.DIVISION_LEVELS})
    parent_id = Column(Integer, ForeignKey("va_division.id"), index=True)
    # joined: a list of divisions names their parents in its own statement
    parent = relationship("Division", remote_side=[id], lazy="joined")

    def __str__(self):
        return self.name

    def full_name(self):
        """云南省 玉溪市 元江县: the names from the province down."""
        names, node = [], self
        while node is not None and len(names) < 3:
            names.insert(0, node.name)
            node = node.parent
        return " ".join(names)


def home_county(context):
    """The default county of a town or unit inserted without one: the
    installation's (divisions.home_county_on)."""
    from ..divisions import home_county_on

    return home_county_on(context.connection)


class Town(Record, Recyclable, Model):
    """镇场街道: a town, township, state farm or subdistrict."""

    __tablename__ = "va_town"
    __label__ = _l("Town")
    __table_args__ = (UniqueConstraint("county_id", "name", name="uq_va_town_county_name"),)
    __unique_messages__ = {
        "uq_va_town_county_name": _l("A town of this name already exists in this county."),
    }
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, index=True)
    kind = Column(String(20), nullable=False, index=True, info={"choices": choices.TOWN_KINDS})
    code = Column(String(20), unique=True)
    county_id = Column(Integer, ForeignKey("va_division.id"), nullable=False, index=True, default=home_county)
    county = relationship(Division, lazy="joined")

    def __str__(self):
        return self.name


class Unit(Record, Recyclable, Model):
    """派出单位: a government unit that dispatches resident cadres."""

    __tablename__ = "va_unit"
    __label__ = _l("Unit")
    __table_args__ = (UniqueConstraint("county_id", "name", name="uq_va_unit_county_name"),)
    __unique_messages__ = {
        "uq_va_unit_county_name": _l("A unit of this name already exists in this county."),
    }
    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, index=True)
    category = Column(
        String(20), nullable=False, index=True, info={"choices": choices.UNIT_CATEGORIES}
    )
    contact = Column(String(50))
    phone = Column(String(30))
    county_id = Column(Integer, ForeignKey("va_division.id"), nullable=False, index=True, default=home_county)
    county = relationship(Division, lazy="joined")

    def __str__(self):
        return self.name


class Village(Record, Recyclable, Model):
    __tablename__ = "va_village"
    __label__ = _l("Village")
    __table_args__ = (
        UniqueConstraint("town_id", "name", name="uq_va_village_town_name"),
        CheckConstraint("registered_poor >= 0", name="ck_va_village_registered_poor"),
    )
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, index=True)
    town_id = Column(Integer, ForeignKey("va_town.id"), nullable=False, index=True)
    # "unnested": where a village is itself loaded through an outer join (a
    # cadre's village), its town is chained as another outer join; a nested
    # (village JOIN town) would make SQLite build that join for every village
    town = relationship(Town, lazy="joined", innerjoin="unnested")
    unit_id = Column(Integer, ForeignKey("va_unit.id"), index=True)
    unit = relationship(Unit, lazy="joined")
    poverty_status = Column(
        String(20), nullable=False, index=True, info={"choices": choices.POVERTY_STATUSES}
    )
    exit_year = Column(Integer, index=True)
    registered_poor = Column(Integer, nullable=False, default=0, index=True)
    # Maintained figures (reserve.recount): the village's eligible reserve
    # candidates of an active status, in all and per target post.
    candidate_count = Column(Integer, nullable=False, default=0, server_default="0", index=True)
    secretary_count = Column(Integer, nullable=False, default=0, server_default="0")
    director_count = Column(Integer, nullable=False, default=0, server_default="0")
    both_count = Column(Integer, nullable=False, default=0, server_default="0", index=True)
    member_count = Column(Integer, nullable=False, default=0, server_default="0")
    # a focus non-poor village put in the follow-up set, and since when
    followup_since = Column(Date, index=True)
    # the official 12-digit statistical area code (统计用区划代码), when known
    area_code = Column(String(12), unique=True)

    def __str__(self):
        return self.name

    def is_focus(self):
        """A non-poor village with at least the threshold of registered poor people."""
        return self.poverty_status == "non_poor" and (self.registered_poor or 0) >= focus_threshold()

    @classmethod
    def focus_condition(cls):
        return (cls.poverty_status == "non_poor") & (cls.registered_poor >= focus_threshold())

    def missing_candidates(self):
        """Reserve candidates still needed to reach the target (0 when met)."""
        return max(settings.get("VILLAGEAID_RESERVE_TARGET") - (self.candidate_count or 0), 0)

    def missing_both(self):
        """"一肩挑" candidates still needed to reach that target (0 when met)."""
        return max(settings.get("VILLAGEAID_RESERVE_TARGET_BOTH") - (self.both_count or 0), 0)


class Cadre(Record, Recyclable, Model):
    """人员: a resident cadre sent by a unit, or a village cadre."""

    __tablename__ = "va_cadre"
    __label__ = _l("Cadre")
    __field_labels__ = {"name": _l("Full name")}  # a person's name, as the screens say it
    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False, index=True)
    gender = Column(String(10), nullable=False, info={"choices": choices.GENDERS})
    id_number = Column(String(18), nullable=False, unique=True)
    phone = Column(String(30))
    kind = Column(String(20), nullable=False, index=True, info={"choices": choices.CADRE_KINDS})
    post = Column(String(30), nullable=False, index=True, info={"choices": choices.CADRE_POSTS})
    unit_id = Column(Integer, ForeignKey("va_unit.id"), index=True)
    unit = relationship(Unit, lazy="joined")
    village_id = Column(Integer, ForeignKey("va_village.id"), index=True)
    village = relationship(Village, lazy="joined")
    start_date = Column(Date, nullable=False, index=True)
    status = Column(
        String(10), nullable=False, default="active", index=True,
        info={"choices": choices.CADRE_STATUSES},
    )
    # training: the town a township cadre (乡镇干部) serves in (no village),
    # and the date the cadre became trained — maintained by training.py,
    # never edited
    own_town_id = Column(Integer, ForeignKey("va_town.id"), index=True)
    town = relationship(Town, lazy="joined", foreign_keys=[own_town_id])
    trained_on = Column(Date, index=True)
    # judged, for a village cadre, by the same eligibility rules as reserve
    # candidates (eligibility.py); empty means unknown
    education = Column(String(20), index=True, info={"choices": choices.EDUCATION})
    political_status = Column(String(20), index=True, info={"choices": choices.POLITICAL_STATUSES})
    party_join_date = Column(Date)

    def __str__(self):
        return self.name

    def is_new(self):
        """Started on or after the configured "new cadre" date."""
        return self.start_date is not None and self.start_date >= new_cadre_since()

    @classmethod
    def new_condition(cls):
        return cls.start_date >= new_cadre_since()


def add_computed_columns():
    """Computed columns of villages and cadres that read other areas'
    tables, set once those are mapped (models/__init__.py calls this).
    Deferred: loaded only where a view asks for them."""
    from .reserve import ReserveCandidate
    from .training import TrainingAttendance, TrainingSession

    def active_candidates(post=None):
        """All of a village's candidates of an active status, eligible or not
        (the maintained *_count columns count the eligible ones)."""
        query = select(func.count(ReserveCandidate.id)).where(
            ReserveCandidate.village_id == Village.id,
            ReserveCandidate.status.in_(choices.ACTIVE_CANDIDATE_STATUSES),
            ReserveCandidate.deleted_on.is_(None),
        )
        if post is not None:
            query = query.where(ReserveCandidate.target_post == post)
        return column_property(query.correlate_except(ReserveCandidate).scalar_subquery(), deferred=True)

    Village.candidate_all = active_candidates()
    Village.secretary_all = active_candidates("secretary")
    Village.director_all = active_candidates("director")
    Village.both_all = active_candidates("both")
    Village.member_all = active_candidates("member")
    # the town of the cadre: a township cadre's own, else its village's
    Cadre.town_id = column_property(
        func.coalesce(
            Cadre.own_town_id,
            select(Village.town_id).where(Village.id == Cadre.village_id).correlate_except(Village).scalar_subquery(),
        ),
        deferred=True,
    )
    # trained: became trained (trained_on, see training.py) by the reference date
    Cadre.trained = column_property(trained_by_reference_date(Cadre.trained_on), deferred=True)
    # the hours of the sessions that count towards training (empty when unknown)
    Cadre.training_hours = column_property(
        select(func.sum(TrainingSession.hours))
        .select_from(TrainingAttendance)
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.training_session_id)
        .where(TrainingAttendance.cadre_id == Cadre.id, counted_attendance(Cadre.start_date))
        .correlate_except(TrainingAttendance, TrainingSession)
        .scalar_subquery(),
        deferred=True,
    )


def reference_day_param():
    """The reference date as a bound parameter, read when a statement runs."""
    from ..timefmt import reference_date

    return bindparam("va_reference_date", callable_=reference_date, type_=Date)


def trained_by_reference_date(trained_on):
    return and_(trained_on.isnot(None), trained_on <= reference_day_param())


def counted_attendance(start_date):
    """SQL: an attendance that makes its cadre trained — completed, of a
    session that has ended by the reference date and did not end before the
    cadre (whose start date is `start_date`) started in post; neither in the
    recycle bin."""
    from .training import TrainingAttendance, TrainingSession

    return and_(
        TrainingAttendance.completed.is_(True),
        TrainingAttendance.deleted_on.is_(None),
        TrainingSession.deleted_on.is_(None),
        TrainingSession.end_date <= reference_day_param(),
        TrainingSession.end_date >= start_date,
    )
