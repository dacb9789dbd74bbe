"""The village file (一村一档): the village's detail page, with its two
committees, its cadres and their training, its reserve, its follow-up
records, yearly figures and stored alerts, as plain scoped queries (one or
two statements a section, whatever the number of rows) shared by the page
and the tests. Each section names how many rows its filtered list holds.

Personal data (ID number, phone) is not part of the file: the sections name
people and their posts, as the lists do."""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func
from sqlalchemy.orm import undefer

from . import reserve, scope, settings
from .followup import yearly_visible_condition
from .models import Cadre, FollowUpAlert, FollowUpRecord, FollowUpYear, ReserveCandidate

# the latest follow-up records and alerts the file shows (the rest: the linked lists)
LATEST = 10


@dataclass
class VillageFile:
    village: object
    committees: object  # reserve.Committees
    cadres: list  # resident and village cadres of the village, active first
    records: list  # the latest follow-up records
    years: list  # FollowUpYear rows, latest year first
    alerts: list  # stored alerts, latest first
    candidate_total: int = 0  # the village's reserve candidates of every status (its filtered list)
    record_total: int = 0  # the village's follow-up records (its filtered list)
    alert_total: int = 0  # the village's stored alerts (its filtered list)


def _count(session, viewer, model, village):
    return session.scalar(scope.rows(viewer, model, func.count(model.id)).where(model.village_id == village.id))


def village_file(viewer, village):
    """The file of `village` (a row `viewer` may see). Nine statements: the
    two committees and the reserve (two), every candidate counted, the
    cadres, the latest records and their count, the years, the latest
    alerts and their count."""
    session = current_app.appbuilder.session
    cadres = session.scalars(
        scope.rows(viewer, Cadre).where(Cadre.village_id == village.id)
        .options(undefer(Cadre.training_hours))
        .order_by(Cadre.status, Cadre.kind, Cadre.post, Cadre.name, Cadre.id)).unique().all()
    records = session.scalars(
        scope.rows(viewer, FollowUpRecord).where(FollowUpRecord.village_id == village.id)
        .order_by(FollowUpRecord.date.desc(), FollowUpRecord.id.desc()).limit(LATEST)).unique().all()
    years = session.scalars(
        scope.rows(viewer, FollowUpYear).where(FollowUpYear.village_id == village.id,
                                               yearly_visible_condition(FollowUpYear))
        .order_by(FollowUpYear.year.desc())).unique().all()
    alerts = session.scalars(
        scope.rows(viewer, FollowUpAlert).where(FollowUpAlert.village_id == village.id)
        .order_by(FollowUpAlert.raised_on.desc(), FollowUpAlert.id.desc()).limit(LATEST)).unique().all()
    return VillageFile(village=village, committees=reserve.village_committees(viewer, village), cadres=cadres,
                       records=records, years=years, alerts=alerts,
                       candidate_total=_count(session, viewer, ReserveCandidate, village),
                       record_total=_count(session, viewer, FollowUpRecord, village),
                       alert_total=_count(session, viewer, FollowUpAlert, village))


def reporting_unit():
    """The unit named at the head of a print (填报单位): the office setting,
    else the application's name."""
    return settings.get("VILLAGEAID_REPORTING_UNIT") or current_app.appbuilder.app_name


def print_limit():
    """Most rows a printed roster holds (0: no limit)."""
    return settings.get("VILLAGEAID_EXPORT_MAX_ROWS") or 0


def cell(item, column):
    """How a printed table shows `item`'s `column`: a choice by its label, a
    related row by its name, nothing for a missing value."""
    value = getattr(item, column)
    if value is None or value == "":
        return ""
    attribute = getattr(type(item), column, None)
    try:
        options = attribute.property.columns[0].info.get("choices")
    except (AttributeError, IndexError):
        options = None
    if options is not None:
        return options.label(value)
    return str(value)
