"""Training rotations (轮训): who is trained, coverage, bulk enrolment.

Plain functions over queries, shared by the views, the API and the tests.
A cadre is *trained* once any attendance of theirs is completed; *new* when
started on or after VILLAGEAID_NEW_CADRE_SINCE; only active (在岗) cadres
count.
"""
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from . import scope, writes
from .choices import CADRE_KINDS
from .models import Cadre, Town, TrainingAttendance, Unit, Village


def counted_condition():
    """Active new cadres: the people the rotation must reach."""
    return (Cadre.status == "active") & Cadre.new_condition()


def untrained_condition():
    return counted_condition() & ~Cadre.trained.expression


GROUPINGS = {
    # grouping: (group key, group name)
    "town": (Town.id, Town.name),
    "unit": (Unit.id, Unit.name),
    "kind": (Cadre.kind, Cadre.kind),
}


@dataclass
class CoverageRow:
    key: object
    name: str
    new: int
    trained: int

    @property
    def untrained(self):
        return self.new - self.trained

    @property
    def percent(self):
        return round(100.0 * self.trained / self.new, 1) if self.new else None

    def as_dict(self):
        return {"key": self.key, "name": self.name, "new": self.new, "trained": self.trained,
                "untrained": self.untrained, "percent": self.percent}


@dataclass
class Coverage:
    by: str
    rows: list = field(default_factory=list)

    @property
    def total(self):
        return CoverageRow(None, _("Total"), sum(r.new for r in self.rows), sum(r.trained for r in self.rows))


def coverage(viewer, by):
    """Coverage of what `viewer` may see, grouped by "town", "unit" or "kind"."""
    key, name = GROUPINGS[by]
    trained = func.sum(case((Cadre.trained.expression, 1), else_=0))
    query = (
        scope.rows(viewer, Cadre, key, name, func.count(Cadre.id), trained)
        .outerjoin(Village, Village.id == Cadre.village_id)
        .outerjoin(Town, Town.id == Village.town_id)
        .outerjoin(Unit, Unit.id == Cadre.unit_id)
        .where(counted_condition())
        .group_by(key, name)
        .order_by(name)
    )
    rows = current_app.appbuilder.session.execute(query).all()
    result = Coverage(by)
    for row_key, row_name, new, done in rows:
        if by == "kind":
            row_name = CADRE_KINDS.label(row_key)
        elif row_key is None:
            # say what the group is: only village cadres have no dispatching unit
            row_name = _("(village cadres, no dispatching unit)") if by == "unit" else _("(no village)")
        result.rows.append(CoverageRow(row_key, row_name, int(new), int(done or 0)))
    return result


@dataclass
class BulkResult:
    done: int = 0
    already: int = 0
    wrong_audience: int = 0
    full: int = 0

    def message(self):
        return _(
            "%(done)d done; skipped: %(already)d already in the session, %(audience)d outside its audience, %(full)d over its capacity.",
            done=self.done, already=self.already, audience=self.wrong_audience, full=self.full,
        )


def enrol(viewer, training_session, cadres):
    """Enrol cadres in a session through the write path, in one transaction;
    returns what was done and what was skipped and why (writes.Refused when
    the write path refuses one of them: then nobody is enrolled)."""
    session = current_app.appbuilder.session
    result = BulkResult()
    records = session.execute(
        select(TrainingAttendance.cadre_id, TrainingAttendance.deleted_on).where(
            TrainingAttendance.training_session_id == training_session.id
        )
    ).all()
    # a record in the recycle bin still holds its (session, cadre) pair:
    # restore it rather than enrol again
    enrolled = {cadre_id for cadre_id, _deleted in records}
    room = None
    if training_session.capacity:
        room = training_session.capacity - sum(1 for _c, deleted in records if deleted is None)
    new = []
    for cadre in cadres:
        if cadre.id in enrolled:
            result.already += 1
        elif not training_session.admits(cadre):
            result.wrong_audience += 1
        elif room is not None and room <= 0:
            result.full += 1
        else:
            new.append((TrainingAttendance(training_session=training_session, cadre=cadre, status="enrolled"), None, None))
            enrolled.add(cadre.id)
            result.done += 1
            if room is not None:
                room -= 1
    writes.save_all(new, viewer, path="bulk")
    return result


def mark(viewer, attendances, status, completed):
    """Set the status (and completed flag) of many attendances at once,
    through the write path, all or nothing."""
    entries = []
    for attendance in attendances:
        before = writes.snapshot(attendance)
        attendance.status = status
        attendance.completed = completed
        entries.append((attendance, before, None))
    writes.save_all(entries, viewer, path="bulk")
    return len(attendances)


def untrained_in_scope(viewer, audience=None):
    """Active new untrained cadres `viewer` may see, optionally of one kind."""
    query = scope.visible_query(Cadre, viewer).filter(untrained_condition())
    if audience in ("resident", "village"):
        query = query.filter(Cadre.kind == audience)
    return query.order_by(Cadre.name, Cadre.id)
