"""Training figures kept per group of cadres, so that coverage costs what
the towns cost, not the cadres.

`va_training_tally` holds, per (town, dispatching unit, unit stationed in
the village, kind), how many counted cadres (active, new) there are, how
many are trained and their hours, all as of one reference date
(`va_training_tally_state.as_of`). The groups carry every column the
cadre's scope rule asks (scope.py), so a user's coverage is a sum over the
groups of its scope.

Kept by recomputing the groups of a town whenever a write changes what they
are made of (a cadre, an attendance, a session, a village's town or unit):
the writes' hooks note the towns, and the groups of those towns are
recomputed from the cadres once, just before the transaction commits, after
`trained_on` was kept (training.py). The town's row is locked first, so two
writes of one town recompute one after the other. A new reference date (the
next day) recomputes the towns whose cadres attended a session that ended
in between; another "new cadre" date, an earlier reference date or no tally
yet rebuild it whole. A report as of another date reads the cadres
(training.live_coverage_rows).
"""
import logging

from flask import current_app, g
from sqlalchemy import case, delete, event, func, insert, select, true
from sqlalchemy.orm import Session

from . import writes
from .models import (NO_COUNTY, Cadre, TrainingAttendance, TrainingSession, TrainingTally, TrainingTallyState,
                     Village, new_cadre_since)
from .models.figures import bump_all, note as note_counties
from .timefmt import _AS_OF, as_of, reference_date

log = logging.getLogger(__name__)

CHUNK = 500
# the town of a cadre: a township cadre's own, else its village's
TOWN = func.coalesce(Cadre.own_town_id, Village.town_id)
COLUMNS = ["town_id", "unit_id", "village_unit_id", "kind", "new", "trained", "hours"]


def groups(where):
    """SELECT the tally's groups of the counted cadres that `where` names."""
    from .training import counted_condition

    return (
        select(TOWN, Cadre.unit_id, Village.unit_id, Cadre.kind, func.count(Cadre.id),
               func.coalesce(func.sum(case((Cadre.trained.expression, 1), else_=0)), 0),
               func.sum(Cadre.training_hours.expression))
        .select_from(Cadre)
        .outerjoin(Village, Village.id == Cadre.village_id)
        .where(Cadre.deleted_on.is_(None), counted_condition(), where)
        .group_by(TOWN, Cadre.unit_id, Village.unit_id, Cadre.kind)
    )


def _fill(session, where):
    session.execute(insert(TrainingTally).from_select(COLUMNS, groups(where)))


STATE = TrainingTallyState.__table__


def _state(db, lock=False):
    """The tally's dates (as_of, new_since), or None when it was never built."""
    query = select(STATE.c.as_of, STATE.c.new_since).where(STATE.c.id == 1)
    return db.execute(query.with_for_update() if lock else query).first()


def _set_state(db, day):
    db.execute(delete(STATE))
    db.execute(insert(STATE).values(id=1, as_of=day, new_since=new_cadre_since()))


def recompute_towns(session, town_ids, no_town=False):
    """Recompute the groups of these towns (`no_town`: and of the resident
    cadres with no village) from the cadres, as of the tally's date."""
    from .models import Town

    ids = sorted(t for t in set(town_ids) if t is not None)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        # one write of a town at a time (FOR UPDATE: nothing on SQLite, whose writes take turns anyway)
        session.execute(select(Town.id).where(Town.id.in_(chunk)).order_by(Town.id).with_for_update())
        session.execute(delete(TrainingTally).where(TrainingTally.town_id.in_(chunk)))
        _fill(session, Cadre.own_town_id.in_(chunk))
        _fill(session, Cadre.village_id.in_(select(Village.id).where(Village.town_id.in_(chunk))))
    note_counties(session, towns=ids, counties=[NO_COUNTY] if no_town else ())
    if no_town:
        _state(session, lock=True)
        session.execute(delete(TrainingTally).where(TrainingTally.town_id.is_(None)))
        _fill(session, Cadre.own_town_id.is_(None) & Cadre.village_id.is_(None))


def rebuild(db, day=None):
    """Recompute every group as of `day` (default: the reference date) and
    note the dates, in the caller's transaction (`db`: a session or a
    connection): after rows were written around the write path (the
    generator, the demo), or when the tally's dates no longer hold."""
    from .models import Town

    day = day or reference_date()
    # every town's row locked, as a town's recompute locks its own: two
    # rebuilds (two first reports at once) take turns, and the second
    # deletes what the first wrote instead of adding to it
    db.execute(select(Town.id).order_by(Town.id).with_for_update())
    _state(db, lock=True)
    with as_of(day):
        db.execute(delete(TrainingTally))
        _fill(db, true())
    _set_state(db, day)
    bump_all(db)


def _towns_of_cadres(session, cadres):
    """The towns of these cadres (a subquery, or ids asked a few hundred at a
    time), and whether any has none."""
    parts = [cadres] if not isinstance(cadres, list) else [cadres[i:i + CHUNK] for i in range(0, len(cadres), CHUNK)]
    found = set()
    for part in parts:
        found.update(session.scalars(select(TOWN).distinct().select_from(Cadre)
                                     .outerjoin(Village, Village.id == Cadre.village_id).where(Cadre.id.in_(part))))
    return found - {None}, None in found


def _move_to(session, since, day):
    """From the tally's date to the later `day`: the towns whose cadres
    attended a session that ended in between are recomputed (who is trained,
    and the hours, change only when a session ends)."""
    a, s = TrainingAttendance, TrainingSession
    ended = (select(a.cadre_id).join(s, s.id == a.training_session_id)
             .where(s.end_date > since, s.end_date <= day, a.completed.is_(True)))
    towns, no_town = _towns_of_cadres(session, ended)
    with as_of(day):
        recompute_towns(session, towns, no_town)
    _set_state(session, day)


def usable(session):
    """Make the tally hold the figures of the reference date; False when it
    cannot (a report as of a past date, or the tally could not be brought up
    to date: the caller reads the cadres)."""
    if _AS_OF.get() is not None:
        return False
    day, since = reference_date(), new_cadre_since()
    if g and g.get("va_tally_current") == (day, since):
        return True
    state = _state(session)
    if state is None or state.as_of != day or state.new_since != since:
        # no pending write of the request's own is committed with it
        own = bool(session.new or session.dirty or session.deleted)
        try:
            state = _state(session, lock=True)
            if state is None or state.new_since != since or state.as_of > day:
                rebuild(session, day)
            elif state.as_of < day:
                _move_to(session, state.as_of, day)
            if not own:
                session.commit()
        except Exception:  # a lock not granted, say: the figures come from the cadres this time
            log.exception("training tally not brought up to date")
            if not own:
                session.rollback()
            return False
    if g:
        g.va_tally_current = (day, since)
    return True


# --- kept on write ----------------------------------------------------------------

DIRTY = "va_tally_dirty"


def _note(session, key, *values):
    dirty = session.info.setdefault(DIRTY, {"towns": set(), "villages": set(), "cadres": set(), "sessions": set(),
                                            "no_town": False})
    dirty[key].update(v for v in values if v is not None)
    return dirty


@writes.on_change
def _note_change(change, session):
    """Note the towns whose groups the change may move (resolved and
    recomputed just before the commit)."""
    item, before, kind = change.item, change.before, change.kind
    if kind == "purge":
        return  # a purged record was in the bin: counted nowhere already
    if isinstance(item, Cadre):
        _note(session, "towns", item.own_town_id, before.get("own_town_id"))
        dirty = _note(session, "villages", item.village_id, before.get("village_id"))
        if item.own_town_id is None and item.village_id is None or (
                before and before.get("own_town_id") is None and before.get("village_id") is None):
            dirty["no_town"] = True
    elif isinstance(item, TrainingAttendance):
        _note(session, "cadres", item.cadre_id, before.get("cadre_id"))
    elif isinstance(item, TrainingSession):
        if kind != "create":
            _note(session, "sessions", item.id)
    elif isinstance(item, Village):
        if kind == "update" and (before.get("town_id"), before.get("unit_id")) != (item.town_id, item.unit_id):
            _note(session, "towns", item.town_id, before.get("town_id"))


@event.listens_for(Session, "before_commit")
def _keep(session):
    dirty = session.info.pop(DIRTY, None)
    if not dirty:
        return
    session.flush()
    state = _state(session)
    if state is None:
        return  # not built yet: the first report builds it
    towns, no_town = set(dirty["towns"]), dirty["no_town"]
    cadres = sorted(dirty["cadres"])
    if dirty["sessions"]:
        cadres = cadres + sorted(set(session.scalars(select(TrainingAttendance.cadre_id).where(
            TrainingAttendance.training_session_id.in_(sorted(dirty["sessions"]))))))
    if cadres:
        found, none = _towns_of_cadres(session, cadres)
        towns |= found
        no_town = no_town or none
    villages = sorted(dirty["villages"])
    for start in range(0, len(villages), CHUNK):
        towns.update(session.scalars(select(Village.town_id).where(Village.id.in_(villages[start:start + CHUNK]))))
    with as_of(state.as_of):
        recompute_towns(session, towns, no_town)
    session.flush()


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(DIRTY, None)


def held_date(db):
    """The reference date the kept figures hold (None: never built)."""
    state = _state(db)
    return state.as_of if state is not None else None


def out_of_step(db=None):
    """The groups kept and the groups the cadres give now, where they differ
    (None: in step, or never built) — for the tests."""
    session = db or current_app.appbuilder.session
    state = _state(session)
    if state is None:
        return None
    with as_of(state.as_of):
        live = session.execute(groups(true())).all()
    kept = session.execute(select(*[getattr(TrainingTally, c) for c in COLUMNS])).all()
    live, kept = sorted(map(_plain, live)), sorted(map(_plain, kept))
    return None if live == kept else {"kept": kept, "from the cadres": live}


def _plain(row):
    """A row as comparable values (None first; hours as a float)."""
    return tuple((v is not None, float(v) if v is not None and not isinstance(v, (int, str)) else v or 0)
                 for v in row)
