"""Follow-up in villages that exited poverty: records, the yearly summary,
and the decline alerts."""
from flask import current_app, flash, jsonify, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.api import BaseApi, expose as api_expose
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterNotEqual, FilterRelationOneToManyEqual
from flask_appbuilder.security.decorators import has_access, protect
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import not_
from wtforms.validators import Optional

from .. import followup, home, scope
from ..choices import ALERT_KINDS, ALERT_STATUSES, Choices
from ..fields import ChoiceField
from ..exports import chosen_encoding, csv_stream, report_body, yes_no
from ..lookups import LOOKUPS
from ..queryargs import ID_RANGE, LARGEST_PAGE, bad_request, choice_args, int_arg, shown
from ..models import FollowUpAlert, FollowUpRecord, FollowUpYear
from ..spreadsheet import xlsx_stream
from .base import ScopedInterface, ScopedModelRestApi, ScopedModelView
from .crud import filter_arg
from .home import alert_link
from .imports import ImportMixin

RECORD_COLUMNS = ["date", "village", "village.town.name", "kind", "unit", "funds", "project",
                  "households_visited", "rectification"]


class FollowUpRecordView(ImportMixin, ScopedModelView):
    datamodel = ScopedInterface(FollowUpRecord)
    list_title = show_title = _l("Follow-up records")
    add_title = _l("Add follow-up record")
    edit_title = _l("Edit follow-up record")
    list_columns = RECORD_COLUMNS
    show_fieldsets = [
        (_l("Follow-up record"), {"fields": ["village", "date", "kind", "unit", "funds", "project",
                                             "households_visited", "participants", "description",
                                             "problems", "rectification"]}),
        (_l("Record"), {"fields": ["created_by", "created_on", "changed_by", "changed_on"], "expanded": False}),
    ]
    add_columns = edit_columns = ["village", "date", "kind", "unit", "funds", "project", "households_visited",
                                  "participants", "description", "problems", "rectification"]
    search_columns = ["village", "date", "kind", "unit", "rectification"]
    order_columns = ["date", "kind", "funds", "households_visited"]
    base_order = ("date", "desc")
    lookup_keys = {"village": "followupvillage", "unit": "myunit"}
    export_extra_columns = ("participants", "description", "problems")
    label_columns = {"record_code": _l("Record ID")}
    description_columns = {
        "village": _l("Only villages in the follow-up set (exit years in the settings)."),
        "unit": _l("Leave empty for the village's stationed unit."),
        "funds": _l("10k yuan, exact to the fen (up to six decimals: 350.50 yuan is 0.03505); "
                    "required for a funds record."),
        "project": _l("Required for a project record."),
    }


class FollowUpSetFilter(BaseFilter):
    name = _l("Follow-up villages up to the reference year")

    def apply(self, query, value):
        return query.filter(followup.yearly_visible_condition(FollowUpYear))


class FollowUpYearView(ScopedModelView):
    """跟进帮扶年度汇总: each follow-up village and year, with the change
    against the year before."""

    datamodel = ScopedInterface(FollowUpYear)
    list_title = show_title = _l("Yearly follow-up summary")
    base_permissions = ["can_list", "can_export"]
    extra_args = {"report_kind": "followup_summary"}  # the parameters named under the list
    base_filters = [["year", FollowUpSetFilter, None]]
    list_columns = ["village", "town", "unit", "year", "to_date", "empty", "records", "visits", "visits_before",
                    "visits_change", "households", "funds", "funds_before", "funds_change", "projects",
                    "problems_open", "problems_closed"]
    description_columns = {
        "to_date": _l("The reference year: 1 January to the reference date, compared with the same days of "
                      "the year before; a finished year is compared with the whole year before."),
        "empty": _l("No follow-up record in the year (or the year to date)."),
    }
    formatters_columns = {"to_date": yes_no, "empty": yes_no}
    search_columns = ["village", "town", "unit", "year"]
    order_columns = ["year", "visits", "visits_change", "households", "funds", "funds_change", "projects"]
    base_order = ("year", "desc")
    lookup_keys = {"village": "followupvillage"}


class FollowUpTools(BaseView):
    """The decline alerts: a list with filters, paging and CSV export."""

    route_base = "/villageaid/followup"
    default_view = "alerts"
    method_permission_name = {"alerts": "alerts", "alerts_export": "alerts"}
    read_permissions = ("alerts",)
    page_size = 50

    @expose("/alerts/")
    @has_access
    def alerts(self):
        viewer = scope.current_viewer()
        criteria, problems = _criteria_from_request(viewer)
        limit = current_app.config.get("VILLAGEAID_ALERTS_MAX_VILLAGES")
        narrow = followup.too_many_villages(viewer, limit, *_place_ids(criteria))
        if narrow:
            # a whole province at once is no page to read: the stored alerts instead, and a town or unit to pick
            found, stored = [], home.alerts(viewer)
        else:
            found, stored = _alerts_for(viewer, criteria), None
            followup.store_alerts(viewer, found, path="web")
        page, problem = int_arg("page", 0, LARGEST_PAGE, default=0)
        for message in problems + ([problem] if problem else []):
            flash(message, "warning")
        rows = found[page * self.page_size:(page + 1) * self.page_size]
        return self.render_template(
            "villageaid/alerts.html", title=_("Follow-up alerts"), alerts=rows, total=len(found), page=page,
            pages=(len(found) + self.page_size - 1) // self.page_size, criteria=criteria,
            kinds=list(ALERT_KINDS), reference=followup.reference_date(),
            periods=followup.periods(), label=followup.alert_label, status_label=ALERT_STATUSES.label,
            export_url=url_for("FollowUpTools.alerts_export", **_args(criteria)),
            page_url=lambda p: url_for("FollowUpTools.alerts", page=p, **_args(criteria)),
            narrow=narrow, limit=limit, stored=stored, stored_link=alert_link(), overdue_link=alert_link(overdue=True),
        )

    @expose("/alerts/export/")
    @has_access
    def alerts_export(self):
        encoding = chosen_encoding()
        if encoding is None:
            return bad_request(_("Unknown encoding; choose UTF-8 or GB18030."))
        found, _criteria, problems = _alerts_from_request()
        if problems:
            return bad_request(*problems)
        rows = [[followup.alert_label(a.kind), a.town, a.village, a.unit, a.reason] for a in found]
        headers = [_("Alert"), _("Town"), _("Village"), _("Dispatching unit"), _("Reason")]
        # the export stores nothing: a GET that writes is the list's (and the export receipt's) alone
        return csv_stream(report_body(rows), headers, _("Follow-up alerts"), encoding)


def _args(criteria):
    """The filters in effect, for links to other pages and the export."""
    args = {"kind": criteria["kinds"]}
    for key in ("town", "unit"):
        if criteria[key] is not None:
            args[key] = criteria[key].id
    return args


def _criteria_from_request(viewer):
    """The filters in the URL (kind, town, unit), and a message per argument
    that was left out."""
    kinds, problem = choice_args("kind", ALERT_KINDS)
    problems = [problem] if problem else []
    criteria = {"kinds": kinds}
    for key in ("town", "unit"):
        pk, problem = int_arg(key, *ID_RANGE)
        row = LOOKUPS[key].get(pk, viewer) if pk is not None else None
        if problem or (pk is not None and row is None):
            problems.append(problem or _("“%(value)s” is not valid here; it was left out.", value=shown(pk)))
        criteria[key] = row
    return criteria, problems


def _place_ids(criteria):
    return tuple(criteria[key].id if criteria[key] else None for key in ("town", "unit"))


def _alerts_for(viewer, criteria):
    town_id, unit_id = _place_ids(criteria)
    return followup.alerts(viewer, kinds=criteria["kinds"], town_id=town_id, unit_id=unit_id)


def _alerts_from_request():
    """The alerts for the filters in the URL, the filters used, and the
    messages of the arguments left out."""
    viewer = scope.current_viewer()
    criteria, problems = _criteria_from_request(viewer)
    return _alerts_for(viewer, criteria), criteria, problems


YES_NO = Choices(("y", _l("Yes")), ("n", _l("No")))


class OverdueFilter(BaseFilter):
    """Overdue: not closed, and its deadline before the reference date."""

    name = _l("Is")

    def apply(self, query, value):
        wanted = value[0] if isinstance(value, list) else value
        condition = followup.overdue_condition()
        return query.filter(condition if wanted != "n" else not_(condition))


class NoResponsibleUnitFilter(BaseFilter):
    """No responsible unit yet (an alert not taken up), or ("n") one."""

    name = _l("Is")

    def apply(self, query, value):
        wanted = value[0] if isinstance(value, list) else value
        column = FollowUpAlert.responsible_unit_id
        return query.filter(column.isnot(None) if wanted == "n" else column.is_(None))


class FollowUpAlertView(ScopedModelView):
    """预警处置: the stored alerts, one per village, kind and period; taken up
    with a note, the responsible unit and a deadline, closed with the result.
    Overdue: not closed and past its deadline (the "overdue" filter is the
    deadline before the reference date with a status other than closed)."""

    datamodel = ScopedInterface(FollowUpAlert, filters={"overdue": [OverdueFilter],
                                                        "no_responsible_unit": [NoResponsibleUnitFilter]})
    list_title = show_title = _l("Alert handling")
    edit_title = _l("Take up or close an alert")
    base_permissions = ["can_list", "can_show", "can_edit", "can_export"]
    list_columns = ["period", "kind", "town", "village", "status", "responsible_unit", "deadline", "raised_on",
                    "reason"]
    show_fieldsets = [
        (_l("Alert"), {"fields": ["period", "kind", "town", "village", "raised_on", "reason"]}),
        (_l("Handling"), {"fields": ["status", "note", "responsible_unit", "deadline", "result", "closed_on"]}),
        (_l("Record"), {"fields": ["created_by", "created_on", "changed_by", "changed_on"], "expanded": False}),
    ]
    edit_columns = ["status", "note", "responsible_unit", "deadline", "result"]
    search_columns = ["status", "overdue", "kind", "town", "responsible_unit", "no_responsible_unit", "deadline",
                      "period", "village"]
    search_form_extra_fields = {"overdue": ChoiceField(_l("Overdue"), [Optional()], options=YES_NO),
                                "no_responsible_unit": ChoiceField(_l("No responsible unit yet"), [Optional()],
                                                                   options=YES_NO)}
    label_columns = {"overdue": _l("Overdue"), "no_responsible_unit": _l("No responsible unit yet")}
    order_columns = ["period", "kind", "status", "deadline", "raised_on"]
    base_order = ("raised_on", "desc")
    lookup_keys = {"village": "followupvillage", "town": "town", "responsible_unit": "alertunit"}
    export_extra_columns = ("note", "result", "closed_on")
    description_columns = {
        "status": _l("Taking up needs a note, the responsible unit and a deadline; closing needs the result."),
        "responsible_unit": _l("Your own units, or the village's stationed unit."),
    }


def alert_count_link(by, key, overdue=False):
    """The alert list (预警处置) behind a count of the counts page: alerts not
    closed, of the town or responsible unit `key` (by "town" or "unit"; a
    unit of None: none yet; `by` None: all), overdue ones only if asked."""
    view = "FollowUpAlertView"
    query = {filter_arg(view, "status", FilterNotEqual): "closed"}
    if by == "town":
        query[filter_arg(view, "town", FilterRelationOneToManyEqual)] = key
    elif by == "unit" and key is None:
        query[filter_arg(view, "no_responsible_unit", NoResponsibleUnitFilter)] = "y"
    elif by == "unit":
        query[filter_arg(view, "responsible_unit", FilterRelationOneToManyEqual)] = key
    if overdue:
        query[filter_arg(view, "overdue", OverdueFilter)] = "y"
    return url_for(view + ".list", **query)


def alert_count_tables():
    """(key, title, first column's header, rows) of the counts page, and the
    total row, for the current user's scope."""
    units, towns, total = followup.alert_counts(scope.current_viewer())
    return [("unit", _("By responsible unit"), _("Responsible unit"), units),
            ("town", _("By town"), _("Town"), towns)], total


class AlertCountsView(BaseView):
    """Open (not closed) and overdue alerts per responsible unit and per
    town, in the user's scope; each count links to the alert list (预警处置)
    filtered to the same alerts, and exports as CSV or .xlsx."""

    route_base = "/villageaid/alertcounts"
    default_view = "index"
    method_permission_name = {"index": "alert_counts", "export": "alert_counts"}
    read_permissions = ("alert_counts",)

    @expose("/")
    @has_access
    def index(self):
        tables, total = alert_count_tables()
        return self.render_template("villageaid/alert_counts.html", title=_("Open and overdue alerts"),
                                    tables=tables, total=total, link=alert_count_link,
                                    reference=followup.reference_date())

    @expose("/export/")
    @has_access
    def export(self):
        tables, total = alert_count_tables()
        found = {key: (title, first, rows) for key, title, first, rows in tables}
        key = request.args.get("table", "unit")
        chosen = request.args.get("format")
        encoding = "xlsx" if chosen == "xlsx" else chosen_encoding()
        if key not in found or encoding is None or chosen not in (None, "csv", "xlsx"):
            return bad_request(_("Unknown table or encoding."))
        title, first, rows = found[key]
        headers = [first, _("Open (not closed)"), _("Overdue")]
        lines = [[r.name, r.open, r.overdue] for r in rows] + [[total.name, total.open, total.overdue]]
        name = "%s-%s" % (_("Open and overdue alerts"), title)
        if encoding == "xlsx":
            return xlsx_stream([lines], headers, ["text", "number", "number"], name)
        return csv_stream(report_body(lines), headers, name, encoding)


class FollowUpRecordApi(ScopedModelRestApi):
    resource_name = "followup_record"
    datamodel = ScopedInterface(FollowUpRecord)
    list_columns = show_columns = [
        "id", "village.id", "village.name", "date", "kind", "unit.id", "unit.name", "funds", "project",
        "households_visited", "participants", "description", "problems", "rectification", "row_version",
    ]
    add_columns = edit_columns = ["village", "date", "kind", "unit", "funds", "project", "households_visited",
                                  "participants", "description", "problems", "rectification"]
    search_columns = ["village", "date", "kind", "unit", "rectification"]
    order_columns = ["date", "kind"]


class FollowUpReportApi(BaseApi):
    """GET /api/v1/followup/alerts and /api/v1/followup/summary?year=YYYY"""

    resource_name = "followup"
    allow_browser_login = True
    method_permission_name = {"alerts": "get", "summary": "get"}

    @api_expose("/alerts", methods=["GET"])
    @protect()
    def alerts(self):
        found, _criteria, problems = _alerts_from_request()
        if problems:
            return self.response_400(message=" ".join(problems))
        followup.store_alerts(scope.current_viewer(), found, path="api")
        return jsonify(reference_date=followup.reference_date().isoformat(), alerts=[a.as_dict() for a in found])

    @api_expose("/summary", methods=["GET"])
    @protect()
    def summary(self):
        year, problem = int_arg("year", 1949, 9999)
        if problem:
            return self.response_400(message=_("The year must be a number."))
        return jsonify(rows=followup.yearly_rows(scope.current_viewer(), year))
