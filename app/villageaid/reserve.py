"""Reserve cadres: village targets, the summary, the village's two
committees, the 一肩挑 gaps and the post-election report, as plain functions
over scoped queries shared by the views, the API and the tests.

A village should have at least VILLAGEAID_RESERVE_TARGET candidates and at
least VILLAGEAID_RESERVE_TARGET_BOTH on the "一肩挑" track. A candidate
counts only while in the reserve (identified, being cultivated, assessed —
not once elected, not elected or withdrawn) and only when eligible for its
track (eligibility.py: every rule met; unknown data does not count).

The counts are maintained on the village (candidate_count, …; indexed, so
the below-target list is a plain filter at any scale): `recount` sets them,
called when a candidate is written, deleted or restored (the write path's
change hook, at commit) and by whoever changes the eligibility rules.
"""
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, event, func, or_, select, update
from sqlalchemy.orm import Session

from . import scope, writes
from .choices import (ACTIVE_CANDIDATE_STATUSES, BACKGROUNDS, CANDIDATE_STATUSES, CLOSED_CANDIDATE_STATUSES,
                      EDUCATION, EDUCATION_RANK, TARGET_POSTS)
from .eligibility import TRACK_OF_CADRE_POST, age_band_edges, describe_expression, eligible_condition, judge
from .models import Cadre, ReserveCandidate, Town, Unit, Village
from .models.figures import bump_all
from . import settings

COUNT_COLUMNS = ("candidate_count", "secretary_count", "director_count", "both_count", "member_count")
# the same counts over every candidate of an active status, eligible or not
ALL_COLUMNS = ("candidate_all", "secretary_all", "director_all", "both_all", "member_all")
TRACK_COLUMNS = dict(zip((None,) + tuple(TARGET_POSTS.codes), COUNT_COLUMNS))
HOLDER_POSTS = ("secretary", "director", "secretary_director")


def targets():
    return settings.get("VILLAGEAID_RESERVE_TARGET"), settings.get("VILLAGEAID_RESERVE_TARGET_BOTH")


# --- the maintained counts ------------------------------------------------


def eligible_expression():
    """SQL: the candidate is eligible for its own target post."""
    return or_(*[and_(ReserveCandidate.target_post == post, eligible_condition(post))
                 for post in TARGET_POSTS.codes])


def recount(villages=None, session=None):
    """Set the maintained counts of the given village ids (None: every
    village) from their eligible candidates of an active status, under the
    rules in force. One UPDATE through `session` (a Session or a
    Connection; default the app's session); the caller commits."""
    session = session or current_app.appbuilder.session
    C = ReserveCandidate

    def counted(post):
        where = [C.village_id == Village.id, C.status.in_(ACTIVE_CANDIDATE_STATUSES), C.deleted_on.is_(None)]
        if post is None:
            where.append(eligible_expression())
        else:
            where += [C.target_post == post, eligible_condition(post)]
        return select(func.count(C.id)).where(*where).scalar_subquery()

    table = Village.__table__
    statement = update(Village).values(
        {column: counted(post) for post, column in TRACK_COLUMNS.items()}
        # figures, not an edit: who changed the village and when stay as they were
        | {"changed_on": table.c.changed_on, "changed_by_fk": table.c.changed_by_fk})
    if villages is not None:
        villages = sorted({v for v in villages if v is not None})
        if not villages:
            return
        statement = statement.where(Village.id.in_(villages))
    session.execute(statement.execution_options(synchronize_session=False))
    if villages is None:
        bump_all(session)  # the counts of every county (the villages named are noted by their candidates)
    # rows already loaded show the new counts on their next read
    for item in list(getattr(session, "identity_map", {}).values()):
        if isinstance(item, Village) and (villages is None or item.id in villages):
            session.expire(item, list(COUNT_COLUMNS))


@settings.after_save
def _rules_saved(name):
    """The office changed a rule the counts depend on: recount every village."""
    if name in ("VILLAGEAID_ELIGIBILITY", "VILLAGEAID_ELECTION_DATE"):
        session = current_app.appbuilder.session
        recount(session=session)
        session.commit()


PENDING = "villageaid.reserve.recount"


@writes.on_change
def _candidate_written(change, session):
    """Note the villages whose counts a candidate change touches; they are
    recounted just before the commit (a deleted one is gone by then)."""
    if isinstance(change.item, ReserveCandidate):
        pending = session.info.setdefault(PENDING, set())
        pending.update({change.before.get("village_id"), change.item.village_id} - {None})


@event.listens_for(Session, "before_commit")
def _recount_pending(session):
    villages = session.info.pop(PENDING, None)
    if villages:
        session.flush()
        recount(villages, session)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session):
    session.info.pop(PENDING, None)


# --- villages below target --------------------------------------------------


def missing_expressions():
    """SQL: how many eligible candidates, and how many on the "一肩挑" track,
    a village lacks."""
    total, both = targets()
    lack = total - Village.candidate_count
    lack_both = both - Village.both_count
    return case((lack > 0, lack), else_=0), case((lack_both > 0, lack_both), else_=0)


def below_target_condition():
    total, both = targets()
    return (Village.candidate_count < total) | (Village.both_count < both)


def count_export_expressions():
    missing, missing_both = missing_expressions()
    return {"missing_candidates": lambda: missing, "missing_both": lambda: missing_both}


def eligibility_export_expression():
    return describe_expression()


def below_target_rows(viewer):
    """The villages below target that `viewer` may see: per track, eligible
    and all candidates of an active status, and what is missing."""
    missing, missing_both = missing_expressions()
    columns = [getattr(Village, c) for c in COUNT_COLUMNS + ALL_COLUMNS]
    query = (
        scope.rows(viewer, Village, Village.id, Village.name, Town.name, *columns, missing, missing_both)
        .join(Town, Town.id == Village.town_id)
        .where(below_target_condition())
        .order_by(Town.name, Village.name)
    )
    keys = ["id", "name", "town"] + list(COUNT_COLUMNS + ALL_COLUMNS) + ["missing_candidates", "missing_both"]
    return [dict(zip(keys, row)) for row in current_app.appbuilder.session.execute(query)]


@dataclass
class Table:
    key: str
    title: str
    headers: list
    rows: list = field(default_factory=list)  # (label, [values])

    def as_dict(self):
        return {"key": self.key, "title": self.title, "headers": [str(h) for h in self.headers],
                "rows": [{"label": label, "values": values} for label, values in self.rows]}


def _counts(viewer, statuses, *group, recorded_before=None):
    """Counts of the candidates `viewer` may see of the given statuses,
    grouped by the given expressions: (*group, all, eligible)
    (`recorded_before`: a UTC moment; only the candidates on record by then)."""
    query = (
        scope.rows(viewer, ReserveCandidate, *group, func.count(ReserveCandidate.id),
                   func.sum(case((eligible_expression(), 1), else_=0)))
        .join(Village, Village.id == ReserveCandidate.village_id)
        .join(Town, Town.id == Village.town_id)
        .outerjoin(Unit, Unit.id == Village.unit_id)
        .where(ReserveCandidate.status.in_(statuses))
        .group_by(*group)
    )
    if recorded_before is not None:
        query = query.where(ReserveCandidate.created_on < recorded_before)
    return current_app.appbuilder.session.execute(query).all()


def shown_statuses(include_closed=False):
    """The statuses the summary counts: not the withdrawn and not-elected
    ones unless asked for."""
    return [code for code in CANDIDATE_STATUSES.codes if include_closed or code not in CLOSED_CANDIDATE_STATUSES]


def _cube(viewer, statuses, key, title, name_column, recorded_before=None):
    """Rows (place · target post), columns the statuses, a total and how
    many of them are eligible."""
    counts = {}
    for place, post, status, n, eligible in _counts(viewer, statuses, name_column, ReserveCandidate.target_post,
                                                     ReserveCandidate.status, recorded_before=recorded_before):
        row = counts.setdefault((place or _("(villages without a stationed unit)"), post), {"eligible": 0})
        row[status] = n
        row["eligible"] += int(eligible or 0)  # a Decimal on MariaDB
    table = Table(key, title, [title, *[CANDIDATE_STATUSES.label(c) for c in statuses], _("Total"), _("Eligible")])
    for (place, post) in sorted(counts, key=lambda k: (k[0], TARGET_POSTS.codes.index(k[1]))):
        values = [counts[(place, post)].get(code, 0) for code in statuses]
        table.rows.append(("%s · %s" % (place, TARGET_POSTS.label(post)),
                           values + [sum(values), counts[(place, post)]["eligible"]]))
    _add_total(table)
    return table


def _by_post(viewer, statuses, key, title, expression, labels, recorded_before=None):
    """Rows the categories of `expression`, columns the target posts and a total."""
    counts = {}
    for category, post, n, _eligible in _counts(viewer, statuses, expression, ReserveCandidate.target_post,
                                                recorded_before=recorded_before):
        counts.setdefault(category, {})[post] = n
    table = Table(key, title, [title, *[label for _c, label in TARGET_POSTS], _("Total")])
    for category, label in labels:
        if category in counts:
            values = [counts[category].get(code, 0) for code in TARGET_POSTS.codes]
            table.rows.append((str(label), values + [sum(values)]))
    _add_total(table)
    return table


def _add_total(table):
    width = len(table.headers) - 1
    totals = [sum(values[i] for _label, values in table.rows) for i in range(width)]
    table.rows.append((_("Total"), totals))


def age_band_labels():
    return [("under_35", _("Under 35")), ("35_45", _("35 to 45")), ("over_45", _("Over 45")),
            ("unknown", _("Unknown"))]


def summary_tables(viewer, include_closed=False, recorded_before=None):
    """The summary's tables (`recorded_before`: a UTC moment; only the
    candidates on record by then — a report as of a past date)."""
    under_35, over_45 = age_band_edges()
    band = case(
        (ReserveCandidate.birth_date.is_(None), "unknown"),
        (ReserveCandidate.birth_date > under_35, "under_35"),
        (ReserveCandidate.birth_date <= over_45, "over_45"),
        else_="35_45",
    )
    statuses = shown_statuses(include_closed)
    by = recorded_before
    return [
        _cube(viewer, statuses, "town", _("Town and target post"), Town.name, by),
        _cube(viewer, statuses, "unit", _("Unit and target post"), Unit.name, by),
        _by_post(viewer, statuses, "background", _("Background"), ReserveCandidate.background, BACKGROUNDS, by),
        _by_post(viewer, statuses, "education", _("Education"), ReserveCandidate.education, EDUCATION, by),
        _by_post(viewer, statuses, "age", _("Age on the election date"), band, age_band_labels(), by),
    ]


# --- the village's two committees today -------------------------------------


def holder_condition():
    """SQL: an active village cadre holding 书记, 主任 or both."""
    return and_(Cadre.kind == "village", Cadre.status == "active", Cadre.post.in_(HOLDER_POSTS))


@dataclass
class Judged:
    person: object
    verdict: object  # for the person's own post or track
    one_shoulder: object = None  # for the 一肩挑 rules (holders only)


@dataclass
class Committees:
    village: object
    holders: list  # Judged cadres holding 书记 and/or 主任
    tracks: list  # (track code, label, [Judged candidates])
    missing: int
    missing_both: int

    def holding(self, *posts):
        return [j for j in self.holders if j.person.post in posts]

    @property
    def one_shoulder(self):
        """The village is already 一肩挑: one person holds both posts."""
        return bool(self.holding("secretary_director"))


def village_committees(viewer, village):
    """Who holds 书记 and 主任 in `village` (a row the viewer may see), whether
    one person holds both, the holders' eligibility, the reserve candidates
    per track with theirs, and the gap. Two statements."""
    session = current_app.appbuilder.session
    holders = session.scalars(
        scope.rows(viewer, Cadre).where(Cadre.village_id == village.id, holder_condition())
        .order_by(Cadre.post, Cadre.name)).all()
    candidates = session.scalars(
        scope.rows(viewer, ReserveCandidate).where(ReserveCandidate.village_id == village.id,
                                                   ReserveCandidate.status.in_(ACTIVE_CANDIDATE_STATUSES))
        .order_by(ReserveCandidate.name)).all()
    tracks = [(code, label, [Judged(c, judge(c, code)) for c in candidates if c.target_post == code])
              for code, label in TARGET_POSTS]
    return Committees(
        village=village,
        holders=[Judged(h, judge(h, TRACK_OF_CADRE_POST[h.post]), judge(h, "both")) for h in holders],
        tracks=tracks,
        missing=village.missing_candidates(),
        missing_both=village.missing_both(),
    )


def no_one_shoulder_condition():
    """SQL: neither a current holder of 书记 or 主任 nor an eligible candidate
    on the 一肩挑 track meets the 一肩挑 rules."""
    holder = (select(Cadre.id).where(Cadre.village_id == Village.id, Cadre.deleted_on.is_(None),
                                     holder_condition(), eligible_condition("both", Cadre))
              .correlate(Village).exists())
    return and_(Village.both_count == 0, ~holder)


# --- after the election -----------------------------------------------------

ELECTED_POSTS = TARGET_POSTS.codes


def _share(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def election_report(viewer):
    """Per town: the posts that went to reserve candidates, and the structure
    of the new committees — the active village cadres who started on or
    after the election date (age bands on that date, education, women, the
    share of villages whose new committee is 一肩挑). Two statements."""
    session = current_app.appbuilder.session
    elected = {}
    for town, post, n in session.execute(
            scope.rows(viewer, ReserveCandidate, Town.name, ReserveCandidate.elected_post,
                       func.count(ReserveCandidate.id))
            .join(Village, Village.id == ReserveCandidate.village_id)
            .join(Town, Town.id == Village.town_id)
            .where(ReserveCandidate.status == "elected")
            .group_by(Town.name, ReserveCandidate.elected_post)):
        elected.setdefault(town, {})[post] = n

    under_35, over_45 = (d.strftime("%Y%m%d") for d in age_band_edges())
    born = func.substr(Cadre.id_number, 7, 8)
    higher = [c for c in EDUCATION.codes if EDUCATION_RANK[c] >= EDUCATION_RANK["junior_college"]]

    def total(condition):
        return func.sum(case((condition, 1), else_=0))

    structure = {}
    for row in session.execute(
            scope.rows(viewer, Cadre, Town.name,
                       func.count(func.distinct(Cadre.village_id)), func.count(Cadre.id),
                       total(born > under_35), total(and_(born <= under_35, born > over_45)), total(born <= over_45),
                       total(Cadre.education.in_(higher)), total(Cadre.education.is_(None)),
                       total(Cadre.gender == "female"),
                       func.count(func.distinct(case((Cadre.post == "secretary_director", Cadre.village_id)))))
            .join(Village, Village.id == Cadre.village_id)
            .join(Town, Town.id == Village.town_id)
            .where(Cadre.kind == "village", Cadre.status == "active",
                   Cadre.start_date >= settings.get("VILLAGEAID_ELECTION_DATE"))
            .group_by(Town.name)):
        structure[row[0]] = [int(v or 0) for v in row[1:]]

    headers = [_("Town"), _("Villages with a new committee"), _("New committee members"),
               *["%s: %s" % (_("Posts to reserve candidates"), label) for _c, label in TARGET_POSTS],
               _("Posts to reserve candidates"), _("Share of posts to reserve candidates (%)"),
               _("Under 35"), _("35 to 45"), _("Over 45"), _("Junior college or above"), _("Education unknown"),
               _("Women"), _("Share of women (%)"), _("Villages with 一肩挑"), _("Share of 一肩挑 (%)")]
    table = Table("election", _("After the election"), headers)
    for town in sorted(set(elected) | set(structure)):
        posts = [elected.get(town, {}).get(code, 0) for code in ELECTED_POSTS]
        villages, members, young, middle, old, high, unknown, women, one = structure.get(town, [0] * 9)
        counts = [villages, members, *posts, sum(posts), young, middle, old, high, unknown, women, one]
        table.rows.append((town, _with_shares(counts)))
    if table.rows:
        columns = zip(*[values_without_shares(values) for _town, values in table.rows])
        table.rows.append((_("Total"), _with_shares([sum(c) for c in columns])))
    return table


def _with_shares(counts):
    """[villages, members, *posts, posts total, young, middle, old, high,
    unknown, women, one] with the three shares put in place."""
    villages, members = counts[0], counts[1]
    posts = counts[2:2 + len(ELECTED_POSTS)]
    rest = counts[2 + len(ELECTED_POSTS):]
    posts_total, young, middle, old, high, unknown, women, one = rest
    return [villages, members, *posts, posts_total, _share(posts_total, members), young, middle, old, high,
            unknown, women, _share(women, members), one, _share(one, villages)]


def values_without_shares(values):
    n = len(ELECTED_POSTS)
    return values[:3 + n] + values[4 + n:10 + n] + values[11 + n:12 + n]
