"""The plugin's tables. FAB's own tables (ab_*) are not changed."""
from datetime import datetime, timezone

from flask import current_app, has_request_context
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declared_attr, relationship

from . import choices


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def current_user_id():
    """The signed-in user's id (web session or API token), else None."""
    if not has_request_context():
        return None
    try:
        user = current_app.appbuilder.sm.current_user
    except Exception:  # no user loader yet, or an anonymous request
        return None
    return getattr(user, "id", None)


def focus_threshold():
    return current_app.config.get("VILLAGEAID_FOCUS_THRESHOLD", 100)


def new_cadre_since():
    return current_app.config["VILLAGEAID_NEW_CADRE_SINCE"]


class Record:
    """Who created and changed a row and when (UTC), and a row version that
    refuses to overwrite an edit made by someone else in the meantime."""

    created_on = Column(DateTime, default=utcnow, nullable=False)
    changed_on = Column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)

    @declared_attr
    def created_by_fk(cls):
        return Column(Integer, ForeignKey("ab_user.id"), default=current_user_id)

    @declared_attr
    def changed_by_fk(cls):
        return Column(
            Integer,
            ForeignKey("ab_user.id"),
            default=current_user_id,
            onupdate=current_user_id,
        )

    @declared_attr
    def created_by(cls):
        return relationship("User", foreign_keys=[cls.created_by_fk], lazy="select")

    @declared_attr
    def changed_by(cls):
        return relationship("User", foreign_keys=[cls.changed_by_fk], lazy="select")

    @declared_attr
    def row_version(cls):
        return Column(Integer, nullable=False, default=1)

    @declared_attr
    def __mapper_args__(cls):
        return {"version_id_col": cls.row_version}


class Town(Record, Model):
    """镇场街道: a town, township, state farm or subdistrict."""

    __tablename__ = "va_town"
    __label__ = _l("Town")
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    kind = Column(String(20), nullable=False, index=True, info={"choices": choices.TOWN_KINDS})
    code = Column(String(20), unique=True)

    def __str__(self):
        return self.name


class Unit(Record, Model):
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


class Village(Record, Model):
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

    def __str__(self):
        return self.name

    def is_focus(self):
        """A non-poor village with at least the threshold of registered poor people."""
        return self.poverty_status == "non_poor" and (self.registered_poor or 0) >= focus_threshold()

    @classmethod
    def focus_condition(cls):
        return (cls.poverty_status == "non_poor") & (cls.registered_poor >= focus_threshold())

    def label_with_town(self):
        return "%s · %s" % (self.town.name, self.name) if self.town else self.name


class Cadre(Record, Model):
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


class ScopeAssignment(Record, Model):
    """Which town or unit a user's records belong to (one per row)."""

    __tablename__ = "va_scope_assignment"
    __label__ = _l("Scope assignment")
    __table_args__ = (
        UniqueConstraint("user_id", "town_id", "unit_id", name="uq_va_scope_assignment"),
        CheckConstraint(
            "(town_id IS NULL) <> (unit_id IS NULL)", name="ck_va_scope_one_target"
        ),
    )
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    town_id = Column(Integer, ForeignKey("va_town.id"), index=True)
    town = relationship(Town, lazy="joined")
    unit_id = Column(Integer, ForeignKey("va_unit.id"), index=True)
    unit = relationship(Unit, lazy="joined")
    note = Column(Text)

    def __str__(self):
        return "%s → %s" % (self.user, self.town or self.unit)



class ExportReceipt(Model):
    """导出记录: one row per CSV export — who, when, which list, which query,
    how many rows, and the SHA-256 of the exact bytes sent."""

    __tablename__ = "va_export_receipt"
    __label__ = _l("Export log")
    id = Column(Integer, primary_key=True)
    created_on = Column(DateTime, default=utcnow, nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    list_name = Column(String(200), nullable=False, index=True)
    endpoint = Column(String(300), nullable=False)
    query_string = Column(Text)
    row_count = Column(Integer, nullable=False)
    encoding = Column(String(20), nullable=False)
    sha256 = Column(String(64), nullable=False)
    complete = Column(Boolean, nullable=False, default=True)
