"""Figures of whole counties, kept for the scopes that see every county.

The office of a province or of the country sees every county: its home page
and its coverage report would otherwise sum every cadre group, village,
alert and follow-up record of the country on each view. Per county, this
module keeps what those pages show — training coverage per kind (from the
training tally), the villages below the reserve target, the open and
overdue alerts per kind and the follow-up money and visits to date — so
that they sum a few rows per county.

The figures are computed by the same statements the pages use for any
other scope (home.py), grouped by county, and checked by version:

- a write that may move a county's figures notes its towns, villages or
  counties (models/figures.py `note`, from the write hooks here and from the
  training tally); just before the transaction commits, after the reserve
  counts and the tally were kept, each of those counties' version moves on
  (`va_county_version`);
- a reader sums the figures whose version is still their county's and
  whose fingerprint (reference date and the parameters they depend on) is
  today's. When a county has none, it reads the versions, recomputes the
  stale counties and stores them with the versions read before computing.
  A figure computed while a write was committing carries the version from
  before that write, so it is never read after it. Readers lock nothing;
  two readers filling the same county at once meet on a unique key, and the
  second reads the live figures instead.

Figures of a report as of a past date and of every scope that is not the
whole country (a town, a unit, a division: a county's figures would hide
the cadres seen through a unit of another county) are read live.
"""
import logging
from dataclasses import dataclass, field

from flask import current_app, g
from sqlalchemy import and_, case, delete, event, func, insert, literal, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

# their before-commit steps (reserve counts, training tally) must run before
# ours: importing them first registers them first
from . import divisions, reserve, scope, tally, writes
from .models import (NO_COUNTY, CountyFigure, CountyVersion, Division, FollowUpAlert, FollowUpRecord,
                     ReserveCandidate, Town, TrainingTally, Village, new_cadre_since)
from .models.figures import DIRTY, move_versions, note
from .timefmt import _AS_OF, reference_date

log = logging.getLogger(__name__)

EVERYONE = scope.Viewer(sees_all=True)
F, V = CountyFigure, CountyVersion
CHUNK = 500
CACHE = "va_county_figures"
COUNTED, COVERAGE, BELOW, ALERTS, FOLLOWUP = "counted", "coverage", "below", "alerts", "followup"


@dataclass
class Figures:
    coverage: list = field(default_factory=list)  # [(new, trained, hours, division id or None, its name)]
    by_kind: dict = field(default_factory=dict)  # kind: [new, trained, hours]
    below_target: int = 0
    alerts: dict = field(default_factory=dict)  # kind: (open, overdue)
    followup: dict = field(default_factory=dict)  # year: [funds in fen, visits]


def applies(viewer):
    """Are `viewer`'s figures the sum of every county's? (No statement.)"""
    return viewer.sees_all and _AS_OF.get() is None and divisions.several_counties()


def fingerprint(day):
    """What the figures depend on besides the rows: the reference date, the
    "new cadre" date, the reserve targets and the follow-up exit years."""
    from .followup import exit_years

    total, both = reserve.targets()
    years = ",".join(str(y) for y in sorted(exit_years()))
    return "%s|%s|%s|%s|%s" % (day.isoformat(), new_cadre_since().isoformat(), total, both, years)


def read(viewer, level=None, within=None):
    """The figures of every county summed for `viewer`, the coverage per
    division of `level`, only those of the counties under the division
    `within` when given; None when they are not `viewer`'s (applies) or
    could not be brought up to date (the caller reads live). `level` None:
    any level already read in this request (the totals and the kinds are
    the same at every level), else the one its coverage starts at."""
    if not applies(viewer):
        return None
    from .training import first_level

    day = reference_date()
    cached = g.get(CACHE, {}) if g else {}
    if level is None:
        found = [figures for (d, _level, w), figures in cached.items() if (d, w) == (day, within)]
        if found and found[0] is not None:
            return found[0]
        level = first_level(viewer)
    memo = (day, level, within)
    if memo in cached:
        return cached[memo]
    session = current_app.appbuilder.session
    if not tally.usable(session):
        return None
    stamp = fingerprint(day)
    figures = _sum(session, viewer, stamp, day, level, within)
    if figures is None and fill(session, day, stamp):
        figures = _sum(session, viewer, stamp, day, level, within)
    if g:
        g.setdefault(CACHE, {})[memo] = figures  # None too: this request reads live, once per figure
    return figures


def _current():
    """The figures rows still current: their version is their county's."""
    return and_(V.county_key == F.county_key, V.version == F.version)


def _sum(session, viewer, stamp, day, level, within):
    """One statement: the current figures of `stamp`, the coverage per
    division of `level`, the rest summed; None unless every county (and
    what has none, unless `within`) has them. Read through the scope policy
    (scope.rows): the table has no rule, so only a viewer who sees every
    row reads it."""
    from .training import division_key

    statement = scope.rows(viewer, F, F.figure, F.key).join(V, _current())
    statement, on = division_key(statement, level, F.county_key)
    named = aliased(Division)
    statement = statement.outerjoin(named, named.id == on)
    per_division = F.figure == COVERAGE
    key, name = case((per_division, named.id)), case((per_division, named.name))
    if within is None:
        expected = divisions.how_many(divisions.COUNTY) + 1
        inside = true()
    else:
        under = scope.counties_under([within])
        expected = select(func.count(Division.id)).where(
            Division.id.in_(under), Division.level == divisions.COUNTY).scalar_subquery()
        inside = F.county_key.in_(under)
    # in the order of the live path (training._grouped): by name, then key
    statement = (statement.add_columns(key, name, func.sum(F.a), func.sum(F.b), func.sum(F.c), expected)
                 .where(F.fingerprint == stamp, inside).group_by(F.figure, F.key, key, name)
                 .order_by(name, key))
    figures = Figures(followup={y: [0, 0] for y in (day.year, day.year - 1)})
    counted, wanted = 0, expected if within is None else None
    for figure, part, group, group_name, a, b, c, expected_here in session.execute(statement):
        a, b = int(a or 0), int(b or 0)
        wanted = expected_here
        if figure == COUNTED:
            counted += a
        elif figure == COVERAGE:
            figures.coverage.append([a, b, c, group, group_name])
            kind = figures.by_kind.setdefault(part, [0, 0, None])
            kind[0] += a
            kind[1] += b
            if c is not None:
                kind[2] = c if kind[2] is None else kind[2] + c
        elif figure == BELOW:
            figures.below_target += a
        elif figure == ALERTS:
            figures.alerts[part] = (a, b)
        elif figure == FOLLOWUP and int(part) in figures.followup:
            figures.followup[int(part)] = [a, b]
    if wanted is None and within is not None:
        wanted = session.scalar(select(expected))  # nothing kept under it: is there any county?
    if counted != wanted:
        return None
    figures.coverage = _per_division(figures.coverage)
    return figures


def _per_division(rows):
    """The coverage rows (one per division and kind) summed per division, in
    the order they come in."""
    found = {}
    for new, trained, hours, key, name in rows:
        row = found.setdefault(key, [0, 0, None, key, name])
        row[0] += new
        row[1] += trained
        if hours is not None:
            row[2] = hours if row[2] is None else row[2] + hours
    return list(found.values())


# --- filling ---------------------------------------------------------------------


def fill(session, day, stamp):
    """Recompute the counties whose figures are not current and store them,
    in a transaction of their own: False when that cannot be done now (the
    request has changes of its own pending, or another request filled the
    same counties at once)."""
    if session.new or session.dirty or session.deleted:
        return False
    try:
        counties = _all_keys(session)
        missing = set(counties) - set(session.scalars(select(V.county_key)))
        if missing:
            session.execute(insert(V), [{"county_key": k, "version": 0} for k in sorted(missing)])
            session.commit()
        # the versions first, then the rows: a write committing in between moves a version past them
        current = set(session.scalars(select(F.county_key).join(V, _current())
                                      .where(F.fingerprint == stamp, F.figure == COUNTED)))
        stale = [k for k in counties if k not in current]
        if not stale:
            return True
        everything = len(stale) == len(counties)
        versions = dict(session.execute(select(V.county_key, V.version)).all())
        rows = compute(session, day, None if everything else stale)
        # the stale counties' rows, and those of a county no longer there
        session.execute(delete(F).where(true() if everything else or_(
            F.county_key.in_(stale), F.county_key.notin_(_county_keys()))))
        stored = [{"county_key": k, "version": versions[k], "fingerprint": stamp, "figure": figure, "key": key,
                   "a": a, "b": b, "c": c}
                  for k, figure, key, a, b, c in rows if k in versions and (everything or k in stale)]
        if stored:
            session.execute(insert(F), stored)
        session.commit()
        return True
    except IntegrityError:  # the same counties filled by another request at the same moment
        log.info("county figures filled by another request at the same moment; read live this time")
        session.rollback()
        return False
    except Exception:  # a lock not granted, say: read live this time
        log.warning("county figures not filled", exc_info=True)
        session.rollback()
        return False


def compute(session, day, counties=None):
    """The figures of these county keys (None: every county) as
    (county key, figure, key, a, b, c) rows: the statements of the home page
    (home.py) for the whole country, grouped by county."""
    from . import home

    rows = [(k, COUNTED, "", 1, 0, None) for k in (counties or _all_keys(session))]
    for part in ([None] if counties is None else [counties[i:i + CHUNK] for i in range(0, len(counties), CHUNK)]):
        ids = None if part is None else [k for k in part if k != NO_COUNTY]

        def in_part(column):
            return true() if part is None else column.in_(ids)

        t = TrainingTally
        county = func.coalesce(Town.county_id, NO_COUNTY)
        coverage = (scope.rows(EVERYONE, t, county, t.kind, func.sum(t.new), func.sum(t.trained), func.sum(t.hours))
                    .outerjoin(Town, Town.id == t.town_id)
                    .where(in_part(Town.county_id) if part is None or NO_COUNTY not in part
                           else or_(in_part(Town.county_id), t.town_id.is_(None)))
                    .group_by(county, t.kind))
        rows += [(k, COVERAGE, kind, int(n), int(done or 0), hours) for k, kind, n, done, hours in
                 session.execute(coverage)]
        below = (home.below_target_query(EVERYONE).join(Town, Town.id == Village.town_id)
                 .add_columns(Town.county_id).where(in_part(Town.county_id)).group_by(Town.county_id))
        rows += [(k, BELOW, "", int(n), 0, None) for n, k in session.execute(below)]
        alerts = (home.alert_counts_query(EVERYONE).join(Village, Village.id == FollowUpAlert.village_id)
                  .join(Town, Town.id == Village.town_id).add_columns(Town.county_id)
                  .where(in_part(Town.county_id)).group_by(Town.county_id))
        rows += [(k, ALERTS, kind, int(n), int(late or 0), None) for kind, n, late, k in session.execute(alerts)]

        def per_county(statement, column, villages):
            found = (villages.join(Town, Town.id == Village.town_id).add_columns(Town.county_id)
                     .where(in_part(Town.county_id)).subquery())
            return statement.join(found, found.c.id == column).add_columns(found.c.county_id).group_by(
                found.c.county_id)

        money = {}
        for statement in home.followup_to_date_queries(EVERYONE, day, per_county):
            for year, funds, visits, k in session.execute(statement):
                found = money.setdefault((k, int(year)), [0, 0])
                found[0] += int(funds or 0)
                found[1] += int(visits or 0)
        rows += [(k, FOLLOWUP, str(year), funds, visits, None) for (k, year), (funds, visits) in money.items()]
    return rows


def _county_keys():
    """SELECT the key of every county, and of what has none."""
    return select(Division.id).where(Division.level == divisions.COUNTY).union_all(select(literal(NO_COUNTY)))


def _all_keys(session):
    return list(session.scalars(_county_keys()))


# --- kept on write -----------------------------------------------------------------


@writes.on_change
def _note_change(change, session):
    """Note what a change may move: the county of a candidate's, a follow-up
    record's or an alert's village, of a village's town, of a town. (The
    training tally notes the towns it recomputes.)"""
    item, before = change.item, change.before
    if change.kind == "purge":
        return  # a purged record was in the bin: counted nowhere already
    if isinstance(item, (ReserveCandidate, FollowUpRecord, FollowUpAlert)):
        note(session, villages=(item.village_id, before.get("village_id")))
    elif isinstance(item, Village):
        note(session, towns=(item.town_id, before.get("town_id")))
    elif isinstance(item, Town):
        note(session, counties=(item.county_id, before.get("county_id")))


@event.listens_for(Session, "before_commit")
def _move_versions(session):
    """Move on the version of every county noted, last before the commit
    (after the reserve counts and the training tally were kept) — of the
    whole transaction only: a savepoint's commit (a chunk of an import)
    keeps the notes for it, so that no county's version is held locked for
    a whole import."""
    if session.in_nested_transaction():
        return
    dirty = session.info.pop(DIRTY, None)
    if not dirty:
        return
    session.flush()
    keys = set(dirty["counties"])
    if None in dirty["towns"] or NO_COUNTY in dirty["counties"]:
        keys.add(NO_COUNTY)
    towns = set(t for t in dirty["towns"] if t is not None)
    villages = sorted(dirty["villages"])
    # the villages' towns and the towns' counties as committed now (a shared
    # lock: a village or town moved by a write committing meanwhile is seen
    # where it went, and one moved later waits for this commit)
    for start in range(0, len(villages), CHUNK):
        towns.update(session.scalars(select(Village.town_id).where(Village.id.in_(villages[start:start + CHUNK]))
                                     .with_for_update(read=True)))
    towns = sorted(towns)
    for start in range(0, len(towns), CHUNK):
        keys.update(session.scalars(select(Town.county_id).where(Town.id.in_(towns[start:start + CHUNK]))
                                    .with_for_update(read=True)))
    if keys:
        move_versions(session, V.county_key.in_(sorted(keys)))
    if g:
        g.pop(CACHE, None)


@event.listens_for(Session, "after_rollback")
def _forget(session):
    # a savepoint rolled back keeps the transaction's notes (those of its own
    # rows only move a version for nothing)
    if not session.in_nested_transaction():
        session.info.pop(DIRTY, None)


@writes.on_change
def _new_county(change, session):
    """A county created through the app gets its version at once (one made
    around the write path gets it from the first reader)."""
    item = change.item
    if isinstance(item, Division) and change.kind == "create" and item.level == divisions.COUNTY:
        session.flush()
        session.execute(insert(V).values(county_key=item.id, version=0))


def out_of_step(session=None):
    """The current figures that differ from what the rows give now (None:
    in step, or none kept) — for the tests."""
    session = session or current_app.appbuilder.session
    day = reference_date()
    stored = {(k, figure, key): (a, b, float(c) if c is not None else None)
              for k, figure, key, a, b, c in session.execute(
                  select(F.county_key, F.figure, F.key, F.a, F.b, F.c).join(V, _current())
                  .where(F.fingerprint == fingerprint(day)))}
    if not stored:
        return None
    counties = sorted({k for k, _figure, _key in stored})
    live = {(k, figure, key): (a, b, float(c) if c is not None else None)
            for k, figure, key, a, b, c in compute(session, day, counties)}
    return None if live == stored else {"kept": stored, "from the rows": live}
