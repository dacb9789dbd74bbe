"""Training rotations (轮训): who is trained, coverage, bulk enrolment, roll call.

Plain functions over queries, shared by the views, the API and the tests.
A cadre is *trained* once an attendance of theirs is completed in a session
that has ended (by the reference date, today in the configured time zone)
and did not end before the cadre started in post; the date that first
happened is kept on the cadre (`trained_on`, maintained here through
writes.on_change), and "trained" reads `trained_on <= reference date`.
*New* when started on or after VILLAGEAID_NEW_CADRE_SINCE; only active
(在岗) cadres count.
"""
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import aliased

from . import scope, tally, writes
from .divisions import how_many, several_counties
from .choices import ATTENDANCE_STATUSES, AUDIENCE_KINDS, CADRE_KINDS
from .models import Cadre, Division, Town, TrainingAttendance, TrainingSession, TrainingTally, Unit, Village


def counted_condition():
    """Active new cadres: the people the rotation must reach."""
    return (Cadre.status == "active") & Cadre.new_condition()


def untrained_condition():
    return counted_condition() & ~Cadre.trained.expression


def first_trained_on(cadre_table, without_attendance=None, without_session=None):
    """SQL: the end date of the first session that trained the cadre of
    `cadre_table`'s row — a completed attendance, neither in the recycle bin,
    of a session that did not end before the cadre's start (whether it has
    ended by the reference date is asked when reading: Cadre.trained)."""
    a, s = TrainingAttendance.__table__, TrainingSession.__table__
    query = (
        select(func.min(s.c.end_date))
        .select_from(a.join(s, s.c.id == a.c.training_session_id))
        .where(a.c.cadre_id == cadre_table.c.id, a.c.completed.is_(True), a.c.deleted_on.is_(None),
               s.c.deleted_on.is_(None), s.c.end_date >= cadre_table.c.start_date)
    )
    if without_attendance is not None:
        query = query.where(a.c.id != without_attendance)
    if without_session is not None:
        query = query.where(s.c.id != without_session)
    return query.scalar_subquery()


def trained_on_update(without_attendance=None, without_session=None):
    """UPDATE va_cadre SET trained_on = ...: a maintained figure, so the
    cadre's own audit columns (who changed it, when) are left as they were."""
    c = Cadre.__table__
    return update(c).values(trained_on=first_trained_on(c, without_attendance, without_session),
                            changed_on=c.c.changed_on, changed_by_fk=c.c.changed_by_fk)


def recompute_trained_on(session, cadre_ids=None, training_session_id=None, without_attendance=None,
                         without_session=None):
    """Set `trained_on` of the given cadres (or of every cadre enrolled in a
    session; default: of all cadres) from their attendance, in the caller's
    transaction."""
    c, a = Cadre.__table__, TrainingAttendance.__table__
    statement = trained_on_update(without_attendance, without_session)
    if cadre_ids is not None:
        ids = sorted({i for i in cadre_ids if i is not None})
        if not ids:
            return
        statement = statement.where(c.c.id.in_(ids))
    if training_session_id is not None:
        statement = statement.where(c.c.id.in_(select(a.c.cadre_id).where(a.c.training_session_id == training_session_id)))
    with session.no_autoflush:
        session.execute(statement)


ATTENDANCE_FIELDS = ("cadre_id", "training_session_id", "completed", "deleted_on")


@writes.on_changes
def _maintain_trained_on(changes, session):
    """Keep Cadre.trained_on right whenever what it is made of changes:
    attendance (any write), a session's dates or its deletion, a cadre's start
    date or its restoring. The cadres of one write call are recomputed by
    one statement (an import's batch); a deletion leaves its own row out."""
    cadres = set()
    for change in changes:
        item, before, kind = change.item, change.before, change.kind
        gone = kind in ("delete", "purge")
        if isinstance(item, TrainingAttendance):
            if kind == "update" and all(before.get(k) == getattr(item, k) for k in ATTENDANCE_FIELDS):
                continue
            if gone:
                recompute_trained_on(session, {item.cadre_id, before.get("cadre_id")}, without_attendance=item.id)
            else:
                cadres.update({item.cadre_id, before.get("cadre_id")})
        elif isinstance(item, TrainingSession):
            if kind == "create" or (kind == "update" and before.get("end_date") == item.end_date):
                continue
            recompute_trained_on(session, training_session_id=item.id, without_session=item.id if gone else None)
        elif isinstance(item, Cadre):
            if gone or (kind == "update" and before.get("start_date") == item.start_date):
                continue
            cadres.add(item.id)
    recompute_trained_on(session, cadres)


# the town of a cadre: a township cadre's own, else its village's
CADRE_TOWN = tally.TOWN

# grouping: (the table joined for its name, its key on the cadre, on the
# tally); a division is reached through the town and its county
GROUPINGS = {
    "town": (Town, CADRE_TOWN, TrainingTally.town_id),
    "unit": (Unit, Cadre.unit_id, TrainingTally.unit_id),
    "kind": (None, Cadre.kind, TrainingTally.kind),
    "county": (Division, CADRE_TOWN, TrainingTally.town_id),
    "prefecture": (Division, CADRE_TOWN, TrainingTally.town_id),
    "province": (Division, CADRE_TOWN, TrainingTally.town_id),
}
DIVISION_GROUPINGS = ("province", "prefecture", "county")  # as divisions.LEVELS


CADRES, TALLY = 1, 2  # what a coverage query reads: the place of its keys in GROUPINGS


def in_division(town_column, county=None, division=None):
    """SQL: the town is in that county, or in a county under that division
    (None: no condition)."""
    if county is not None:
        return town_column.in_(select(Town.id).where(Town.county_id == county))
    if division is not None:
        return town_column.in_(select(Town.id).where(Town.county_id.in_(scope.counties_under([division]))))
    return None


def division_key(query, by, county_column):
    """The query joined up from a county id to the division of level `by`
    (county, prefecture, province): (query, the division's id column)."""
    on = county_column
    for _level in DIVISION_GROUPINGS[DIVISION_GROUPINGS.index(by) + 1:]:
        parent = aliased(Division)
        query = query.outerjoin(parent, parent.id == on)
        on = parent.parent_id
    return query, on


def _grouped(query, by, reads, county=None, division=None):
    """The query grouped by `by`: (key, name) added; `reads`: CADRES or
    TALLY; `county`: only the cadres whose town is in that county;
    `division`: only those of the counties under that division."""
    named, on = GROUPINGS[by][0], GROUPINGS[by][reads]
    inside = in_division(GROUPINGS["town"][reads], county, division)
    if inside is not None:
        query = query.where(inside)
    if by in DIVISION_GROUPINGS:
        query = query.outerjoin(Town, Town.id == on)
        query, on = division_key(query, by, Town.county_id)
    key, name = (named.id, named.name) if named is not None else (on, on)
    if named is not None:
        query = query.outerjoin(named, named.id == on)
    return query.add_columns(key, name).group_by(key, name).order_by(name, key)


def live_coverage_rows(viewer, by, in_post_by=None, county=None, division=None):
    """Coverage read from the cadres: (new, trained, hours, key, name) rows."""
    trained = func.sum(case((Cadre.trained.expression, 1), else_=0))
    hours = func.sum(Cadre.training_hours.expression)
    query = (
        scope.rows(viewer, Cadre, func.count(Cadre.id), trained, hours)
        .outerjoin(Village, Village.id == Cadre.village_id)
        .where(counted_condition())
    )
    if in_post_by is not None:
        query = query.where(Cadre.start_date <= in_post_by)
    return current_app.appbuilder.session.execute(_grouped(query, by, CADRES, county, division)).all()


def tally_coverage_rows(viewer, by, county=None, division=None):
    """The same rows summed over the kept groups (tally.py) of the scope."""
    t = TrainingTally
    query = scope.rows(viewer, t, func.sum(t.new), func.sum(t.trained), func.sum(t.hours))
    return current_app.appbuilder.session.execute(_grouped(query, by, TALLY, county, division)).all()


@dataclass
class CoverageRow:
    key: object
    name: str
    new: int
    trained: int
    hours: object = None  # completed hours of the group's cadres (None: unknown)

    @property
    def untrained(self):
        return self.new - self.trained

    @property
    def percent(self):
        return round(100.0 * self.trained / self.new, 1) if self.new else None

    def as_dict(self):
        return {"key": self.key, "name": self.name, "new": self.new, "trained": self.trained,
                "untrained": self.untrained, "percent": self.percent,
                "hours": None if self.hours is None else float(self.hours)}


@dataclass
class Coverage:
    by: str
    rows: list = field(default_factory=list)

    @property
    def total(self):
        known = [r.hours for r in self.rows if r.hours is not None]
        return CoverageRow(None, _("Total"), sum(r.new for r in self.rows), sum(r.trained for r in self.rows),
                           sum(known) if known else None)


def spans_counties(viewer):
    """Does `viewer`'s scope reach into several counties (the office of a
    province or of the country, the clerk of a division)? Its coverage
    starts per division and opens a county's towns and units from there: a
    table per town of a whole province would be thousands of rows."""
    return several_counties() and (viewer.sees_all or bool(viewer.divisions))


def first_level(viewer):
    """The level a coverage of several counties starts at: the office of
    several provinces per province, of one province with several
    prefectures per prefecture, else per county (a division's clerk: per
    county); None when the scope is within one county."""
    if not spans_counties(viewer):
        return None
    if viewer.sees_all:
        for level in DIVISION_GROUPINGS[:-1]:
            if how_many(level) > 1:
                return level
    return "county"


def coverage(viewer, by, in_post_by=None, county=None, division=None):
    """Coverage of what `viewer` may see, grouped by "town", "unit", "kind"
    or a level of division ("county", "prefecture", "province";
    `in_post_by`: a date; only the cadres who started in post by then — a
    report as of a past date, read from the cadres; otherwise from the kept
    groups when they hold the reference date; `county`: the id of a county,
    only the cadres whose town is in it; `division`: of a province or
    prefecture, only those of the counties under it)."""
    from . import countyfigures

    session = current_app.appbuilder.session
    figures = None
    if in_post_by is None and county is None and (by in DIVISION_GROUPINGS or by == "kind"):
        figures = countyfigures.read(viewer, by if by != "kind" else None, division)
    if figures is not None:
        # the whole country: the counties' kept figures
        rows = figures.coverage if by != "kind" else [
            (new, done, hours, kind, kind) for kind, (new, done, hours) in sorted(figures.by_kind.items())]
    elif in_post_by is None and tally.usable(session):
        rows = tally_coverage_rows(viewer, by, county, division)
    else:
        rows = live_coverage_rows(viewer, by, in_post_by, county, division)
    result = Coverage(by)
    for new, done, row_hours, row_key, row_name in rows:
        if by == "kind":
            row_name = CADRE_KINDS.label(row_key)
        elif row_key is None:
            # say what the group is: only village and township cadres have no dispatching unit
            row_name = _("(village and township cadres, no dispatching unit)") if by == "unit" else _("(no village)")
        result.rows.append(CoverageRow(row_key, row_name, int(new), int(done or 0), row_hours))
    return result


@dataclass
class BulkResult:
    done: int = 0
    already: int = 0
    wrong_audience: int = 0
    full: int = 0
    # enrolled cadres who started after the session ended: it will not count
    ended_before_start: list = field(default_factory=list)

    def message(self):
        return _(
            "%(done)d done; skipped: %(already)d already in the session, %(audience)d outside its audience, %(full)d over its capacity.",
            done=self.done, already=self.already, audience=self.wrong_audience, full=self.full,
        )

    def warning(self):
        return ended_before_start_warning(self.ended_before_start)


def ended_before_start_warning(cadres):
    """The warning for enrolments into a session that ended before the
    cadres started in post ("" when there are none)."""
    if not cadres:
        return ""
    return _("The session ended before these cadres started in post, so it will not count as their training: %(names)s.",
             names="、".join(str(c) for c in cadres))


def ended_before_start(training_session, cadre):
    return (training_session is not None and cadre is not None and training_session.end_date is not None
            and cadre.start_date is not None and training_session.end_date < cadre.start_date)


class OverCapacity(writes.Refused):
    """More cadres than the session has room for: nobody was enrolled; the
    person chooses who (`candidates`, the ones that could be enrolled)."""

    def __init__(self, training_session, room, candidates):
        super().__init__({writes.WHOLE_RECORD: _(
            "The session has room for %(room)d more but %(count)d cadres would be enrolled; nobody was enrolled. Choose whom to enrol.",
            room=max(room, 0), count=len(candidates))})
        self.training_session = training_session
        self.room = max(room, 0)
        self.candidates = candidates


def enrol(viewer, training_session, cadres):
    """Enrol cadres in a session through the write path, in one transaction;
    returns what was done and what was skipped and why (writes.Refused when
    the write path refuses one of them: then nobody is enrolled). More
    cadres than the session's room raise OverCapacity: the system does not
    choose who gets in."""
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
    candidates = []
    for cadre in cadres:
        if cadre.id in enrolled:
            result.already += 1
        elif not training_session.admits(cadre):
            result.wrong_audience += 1
        else:
            candidates.append(cadre)
            enrolled.add(cadre.id)
    if training_session.capacity:
        room = training_session.capacity - sum(1 for _c, deleted in records if deleted is None)
        if len(candidates) > room:
            raise OverCapacity(training_session, room, candidates)
    new = [(TrainingAttendance(training_session=training_session, cadre=cadre, status="enrolled"), None, None)
           for cadre in candidates]
    result.done = len(new)
    result.ended_before_start = [c for c in candidates if ended_before_start(training_session, c)]
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


def roll_call_rows(viewer, training_session):
    """The attendance of a session that `viewer` may see, by cadre name."""
    return (
        scope.visible_query(TrainingAttendance, viewer)
        .join(Cadre, Cadre.id == TrainingAttendance.cadre_id)
        .filter(TrainingAttendance.training_session_id == training_session.id)
        .order_by(Cadre.name, TrainingAttendance.id)
        .all()
    )


def roll_call(viewer, training_session, marks):
    """Save a session's roll call in one step: `marks` {attendance id (as
    sent): (status, completed, row version sent)}. Every id must be an
    attendance of this session that `viewer` may see, every row carries the
    version it was read at; all or nothing (writes.Refused, writes.Stale)."""
    attendances = scope.visible_all(TrainingAttendance, list(marks), viewer)
    if attendances is None or any(a.training_session_id != training_session.id for a in attendances):
        raise writes.Refused({writes.WHOLE_RECORD: _(
            "The roll call names records that are not this session's or not yours; nothing was saved.")})
    if not attendances:
        raise writes.Refused({writes.WHOLE_RECORD: _("No row selected.")})
    by_id = {str(k): v for k, v in marks.items()}
    entries = []
    for attendance in attendances:
        status, completed, version = by_id[str(attendance.id)]
        if status not in ATTENDANCE_STATUSES:
            current_app.appbuilder.session.rollback()
            raise writes.Refused({writes.WHOLE_RECORD: _("Not a valid choice.")})
        if not version:
            current_app.appbuilder.session.rollback()
            raise writes.Stale()
        before = writes.snapshot(attendance)
        attendance.status = status
        attendance.completed = bool(completed)
        entries.append((attendance, before, version))
    writes.save_all(entries, viewer, path="bulk")
    return len(entries)


def untrained_in_scope(viewer, audience=None):
    """Active new untrained cadres `viewer` may see, of the kinds the
    session's audience admits."""
    query = scope.visible_query(Cadre, viewer).filter(untrained_condition())
    if audience in AUDIENCE_KINDS:
        query = query.filter(Cadre.kind.in_(AUDIENCE_KINDS[audience]))
    return query.order_by(Cadre.name, Cadre.id)
