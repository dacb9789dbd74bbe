"""Reference data: towns, units, villages, cadres."""
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
    exists,
    func,
    select,
)
from sqlalchemy.orm import column_property, relationship

from .. import choices
from .base import Record, Recyclable, focus_threshold, new_cadre_since
from .. import settings


class Town(Record, Recyclable, Model):
    """镇场街道: a town, township, state farm or subdistrict."""

    __tablename__ = "va_town"
    __label__ = _l("Town")
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    kind = Column(String(20), nullable=False, index=True, info={"choices": choices.TOWN_KINDS})
    code = Column(String(20), unique=True)

    def __str__(self):
        return self.name


class Unit(Record, Recyclable, Model):
    """派出单位: a government unit that dispatches resident cadres."""

    __tablename__ = "va_unit"
    __label__ = _l("Unit")
    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, unique=True)
    category = Column(
        String(20), nullable=False, index=True, info={"choices": choices.UNIT_CATEGORIES}
    )
    contact = Column(String(50))
    phone = Column(String(30))

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
    town = relationship(Town, lazy="joined", innerjoin=True)
    unit_id = Column(Integer, ForeignKey("va_unit.id"), index=True)
    unit = relationship(Unit, lazy="joined")
    poverty_status = Column(
        String(20), nullable=False, index=True, info={"choices": choices.POVERTY_STATUSES}
    )
    exit_year = Column(Integer, index=True)
    registered_poor = Column(Integer, nullable=False, default=0, index=True)
    # a focus non-poor village put in the follow-up set, and since when
    followup_since = Column(Date, index=True)

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

    def label_with_town(self):
        return "%s · %s" % (self.town.name, self.name) if self.town else self.name


class Cadre(Record, Recyclable, Model):
    """人员: a resident cadre sent by a unit, or a village cadre."""

    __tablename__ = "va_cadre"
    __label__ = _l("Cadre")
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
    from .training import TrainingAttendance

    def active_candidates(post=None):
        """A village's candidates that count towards its target."""
        query = select(func.count(ReserveCandidate.id)).where(
            ReserveCandidate.village_id == Village.id,
            ReserveCandidate.status.in_(choices.ACTIVE_CANDIDATE_STATUSES),
            ReserveCandidate.deleted_on.is_(None),
        )
        if post is not None:
            query = query.where(ReserveCandidate.target_post == post)
        return column_property(query.correlate_except(ReserveCandidate).scalar_subquery(), deferred=True)

    Village.candidate_count = active_candidates()
    Village.secretary_count = active_candidates("secretary")
    Village.director_count = active_candidates("director")
    Village.both_count = active_candidates("both")
    Village.member_count = active_candidates("member")
    # the town of the cadre's village
    Cadre.town_id = column_property(
        select(Village.town_id).where(Village.id == Cadre.village_id).correlate_except(Village).scalar_subquery(),
        deferred=True,
    )
    # trained: any attendance completed
    Cadre.trained = column_property(
        exists().where(TrainingAttendance.cadre_id == Cadre.id, TrainingAttendance.completed.is_(True),
                       TrainingAttendance.deleted_on.is_(None)),
        deferred=True,
    )
