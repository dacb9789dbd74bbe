"""Reserve cadres: village targets and the summary, as plain functions over
queries shared by the views, the API and the tests.

A village should have at least VILLAGEAID_RESERVE_TARGET candidates and at
least VILLAGEAID_RESERVE_TARGET_BOTH on the "一肩挑" track; candidates count
while identified, cultivating, assessed or elected (not when not elected or
withdrawn).
"""
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func

from . import scope
from .choices import BACKGROUNDS, CANDIDATE_STATUSES, EDUCATION, TARGET_POSTS
from .eligibility import age_band_edges, describe_expression
from .models import ReserveCandidate, Town, Unit, Village
from . import settings

COUNT_COLUMNS = ("candidate_count", "secretary_count", "director_count", "both_count", "member_count")


def targets():
    return settings.get("VILLAGEAID_RESERVE_TARGET"), settings.get("VILLAGEAID_RESERVE_TARGET_BOTH")


def missing_expressions():
    """SQL: how many candidates, and how many on the "一肩挑" track, a village lacks."""
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
    """The villages below target that `viewer` may see, with counts and what is missing."""
    missing, missing_both = missing_expressions()
    columns = [getattr(Village, c) for c in COUNT_COLUMNS]
    query = (
        scope.rows(viewer, Village, Village.id, Village.name, Town.name, *columns, missing, missing_both)
        .join(Town, Town.id == Village.town_id)
        .where(below_target_condition())
        .order_by(Town.name, Village.name)
    )
    keys = ["id", "name", "town"] + list(COUNT_COLUMNS) + ["missing_candidates", "missing_both"]
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


def _counts(viewer, *group):
    """Counts of the candidates `viewer` may see, grouped by the given expressions."""
    query = (
        scope.rows(viewer, ReserveCandidate, *group, func.count(ReserveCandidate.id))
        .join(Village, Village.id == ReserveCandidate.village_id)
        .join(Town, Town.id == Village.town_id)
        .outerjoin(Unit, Unit.id == Village.unit_id)
        .group_by(*group)
    )
    return current_app.appbuilder.session.execute(query).all()


def _cube(viewer, key, title, name_column):
    """Rows (place · target post), columns the statuses and a total."""
    counts = {}
    for place, post, status, n in _counts(viewer, name_column, ReserveCandidate.target_post, ReserveCandidate.status):
        counts.setdefault((place or _("(villages without a stationed unit)"), post), {})[status] = n
    table = Table(key, title, [title, *[label for _c, label in CANDIDATE_STATUSES], _("Total")])
    for (place, post) in sorted(counts, key=lambda k: (k[0], TARGET_POSTS.codes.index(k[1]))):
        values = [counts[(place, post)].get(code, 0) for code in CANDIDATE_STATUSES.codes]
        table.rows.append(("%s · %s" % (place, TARGET_POSTS.label(post)), values + [sum(values)]))
    _add_total(table)
    return table


def _by_post(viewer, key, title, expression, labels):
    """Rows the categories of `expression`, columns the target posts and a total."""
    counts = {}
    for category, post, n in _counts(viewer, expression, ReserveCandidate.target_post):
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


def summary_tables(viewer):
    under_35, over_45 = age_band_edges()
    band = case(
        (ReserveCandidate.birth_date.is_(None), "unknown"),
        (ReserveCandidate.birth_date > under_35, "under_35"),
        (ReserveCandidate.birth_date <= over_45, "over_45"),
        else_="35_45",
    )
    bands = [("under_35", _("Under 35")), ("35_45", _("35 to 45")), ("over_45", _("Over 45")), ("unknown", _("Unknown"))]
    return [
        _cube(viewer, "town", _("Town and target post"), Town.name),
        _cube(viewer, "unit", _("Unit and target post"), Unit.name),
        _by_post(viewer, "background", _("Background"), ReserveCandidate.background, BACKGROUNDS),
        _by_post(viewer, "education", _("Education"), ReserveCandidate.education, EDUCATION),
        _by_post(viewer, "age", _("Age on the election date"), band, bands),
    ]
