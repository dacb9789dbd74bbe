"""Training rotations (轮训): sessions, attendance, bulk steps, the untrained
list and the coverage report."""
from datetime import date

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.actions import action as fab_action
from flask_appbuilder.api import BaseApi, expose as api_expose
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access, protect
from flask_babel import gettext as _, lazy_gettext as _l

from .. import scope, training, villagefile, writes
from ..exports import chosen_encoding, csv_stream, report_body, yes_no
from ..fields import RemoteSelectField
from ..queryargs import ID_RANGE, bad_request, int_arg, shown
from ..labels import LABELS
from ..choices import ATTENDANCE_STATUSES, CADRE_KINDS
from ..rules import session_ended
from ..divisions import CHILD_LEVEL, COUNTY, LEVELS
from ..models import Cadre, Division, TrainingAttendance, TrainingSession
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterRelationOneToManyEqual

from .base import ScopedInterface, ScopedModelRestApi, ScopedModelView
from .imports import ImportMixin
from .crud import filter_arg

ATTENDANCE_COLUMNS = ["training_session", "cadre", "cadre.kind", "cadre.unit", "status", "completed",
                      "training_session.hours", "note"]


def blank_none(value):
    return "" if value is None else value


class AttendanceView(ImportMixin, ScopedModelView):
    datamodel = ScopedInterface(TrainingAttendance)
    list_title = show_title = _l("Attendance records")
    add_title = _l("Add attendance")
    edit_title = _l("Edit attendance")
    list_columns = ATTENDANCE_COLUMNS
    show_columns = ATTENDANCE_COLUMNS
    add_columns = edit_columns = ["training_session", "cadre", "status", "completed", "note"]
    search_columns = ["training_session", "cadre", "status", "completed"]
    order_columns = ["status", "completed"]
    lookup_keys = {"training_session": "trainingsession"}
    # the cadre's kind as a label, not its code (set here: the list's plain
    # formatters fill in only the columns left without one)
    formatters_columns = {"completed": yes_no, "cadre.kind": CADRE_KINDS.label, "training_session.hours": blank_none}
    method_permission_name_extra = {"mark_completed": "edit", "mark_absent": "edit", "mark_excused": "edit"}
    description_columns = {"completed": _l("Completed means the cadre finished the session; only for attended records.")}

    def post_add(self, item):
        warn_ended_before_start(item)

    def post_update(self, item):
        warn_ended_before_start(item)

    def _mark(self, items, status, completed):
        try:
            count = training.mark(self.viewer, items, status, completed)
        except writes.Refused as exc:
            flash(exc.message(), "danger")
        else:
            flash(_("%(count)d record(s) updated.", count=count), "success")
        return redirect(self.get_redirect())

    @fab_action("mark_completed", _l("Mark attended and completed"), _l("Mark the selected records attended and completed?"), "fa-check", single=False)
    def mark_completed(self, items):
        return self._mark(items, "attended", True)

    @fab_action("mark_absent", _l("Mark absent"), _l("Mark the selected records absent?"), "fa-times", single=False)
    def mark_absent(self, items):
        return self._mark(items, "absent", False)

    @fab_action("mark_excused", _l("Mark excused"), _l("Mark the selected records excused?"), "fa-clock-o", single=False)
    def mark_excused(self, items):
        return self._mark(items, "excused", False)


def warn_ended_before_start(item):
    if training.ended_before_start(item.training_session, item.cadre):
        flash(training.ended_before_start_warning([item.cadre]), "warning")


class TrainingSessionView(ScopedModelView):
    datamodel = ScopedInterface(TrainingSession)
    list_title = show_title = _l("Training sessions")
    add_title = _l("Add training session")
    edit_title = _l("Edit training session")
    show_template = "villageaid/training_session_show.html"
    list_columns = ["title", "batch", "organiser", "start_date", "end_date", "place", "hours", "audience", "capacity"]
    show_columns = list_columns + ["content"]
    add_columns = edit_columns = show_columns
    search_columns = ["title", "batch", "organiser", "start_date", "audience"]
    order_columns = ["title", "batch", "start_date", "hours"]
    base_order = ("start_date", "desc")
    related_views = [AttendanceView]
    label_columns = {"start_date": _l("Start date of the session")}
    formatters_columns = {"hours": blank_none}
    description_columns = {"capacity": _l("Leave empty for no limit."), "hours": _l("Leave empty when not known.")}
    method_permission_name_extra = {"signin": "show"}  # printed from the session's page

    @expose("/signin/<pk>")
    @has_access
    def signin(self, pk):
        """签到表: the session's enrolled cadres of the user's scope, with a
        column to sign in; printable."""
        viewer = scope.current_viewer()
        training_session = scope.get_visible(TrainingSession, pk, viewer)
        if training_session is None:
            abort(404)
        return self.render_template(
            "villageaid/signin.html", title=_("Sign-in sheet"), training_session=training_session,
            rows=training.roll_call_rows(viewer, training_session), kind_label=CADRE_KINDS.label,
            reporting_unit=villagefile.reporting_unit(), printed_on=date.today(),
        )


class UntrainedFilter(BaseFilter):
    name = _l("Untrained")

    def apply(self, query, value):
        return query.filter(training.untrained_condition())


class CountedFilter(BaseFilter):
    name = _l("Active new cadres")

    def apply(self, query, value):
        return query.filter(training.counted_condition())


CADRE_LIST = ["name", "kind", "post", "unit", "village", "village.town.name", "town", "start_date"]


class NewCadreTrainingView(ScopedModelView):
    """新任干部轮训情况: active new cadres with whether each is trained."""

    datamodel = ScopedInterface(Cadre, undefer=("trained", "training_hours"))
    list_title = show_title = _l("New cadres and training")
    base_permissions = ["can_list", "can_show", "can_export"]
    base_filters = [["id", CountedFilter, None]]
    list_columns = CADRE_LIST + ["trained", "trained_on", "training_hours"]
    show_columns = list_columns
    search_columns = ["name", "kind", "unit", "village", "town_id", "trained", "start_date"]
    order_columns = ["name", "kind", "start_date", "trained_on"]
    base_order = ("name", "asc")
    formatters_columns = {"trained": yes_no, "training_hours": blank_none, "trained_on": blank_none,
                          "town": blank_none}
    # the village's town and the township cadre's own town: two columns, two names
    label_columns = {"name": _l("Full name"), "town": _l("Town (township cadres)")}
    export_extra_columns = ("id_number", "phone")
    related_views = [AttendanceView]

    def __init__(self, **kwargs):
        self.search_form_extra_fields = {"town_id": RemoteSelectField(LABELS["town"], lookup_key="town")}
        super().__init__(**kwargs)


class UntrainedCadreView(NewCadreTrainingView):
    """未轮训人员名单: active new cadres not yet trained."""

    list_title = show_title = _l("Untrained new cadres")
    base_filters = [["id", UntrainedFilter, None]]
    list_columns = CADRE_LIST
    show_columns = CADRE_LIST
    search_columns = ["name", "kind", "unit", "village", "town_id", "start_date"]
    datamodel = ScopedInterface(Cadre)
    base_permissions = NewCadreTrainingView.base_permissions + ["can_enrol"]
    method_permission_name_extra = {"enrol": "enrol"}
    write_permissions = ("enrol",)

    @fab_action("enrol", _l("Enrol in a training session"), None, "fa-user-plus", single=False)
    def enrol(self, items):
        return redirect(url_for("TrainingTools.choose", cadre=[c.id for c in items]))


class TrainingTools(BaseView):
    """Bulk enrolment and the coverage report."""

    route_base = "/villageaid/training"
    default_view = "coverage"
    method_permission_name = {
        "choose": "enrol", "enrol": "enrol", "enrol_untrained": "enrol", "roll_call": "enrol",
        "coverage": "coverage", "coverage_export": "coverage",
    }
    read_permissions = ("coverage",)
    write_permissions = ("enrol",)

    @expose("/choose")
    @has_access
    def choose(self):
        """Pick the session for cadres chosen on a list."""
        cadres = scope.visible_all(Cadre, request.args.getlist("cadre"), scope.current_viewer())
        if not cadres:
            flash(_("No row selected."), "warning")
            return redirect(url_for("UntrainedCadreView.list"))
        return self.render_template(
            "villageaid/enrol.html", cadres=cadres, title=_("Enrol in a training session"),
            lookup_url=url_for("VillageAidLookup.lookup", key="trainingsession"),
        )

    @expose("/enrol", methods=["POST"])
    @has_access
    def enrol(self):
        viewer = scope.current_viewer()
        training_session = scope.get_visible(TrainingSession, request.form.get("training_session"), viewer)
        if training_session is None:
            flash(_("Choose a training session."), "danger")
            return redirect(url_for("UntrainedCadreView.list"))
        cadres = scope.visible_all(Cadre, request.form.getlist("cadre"), viewer)
        if cadres is None:
            abort(404)
        return _enrol(viewer, training_session, cadres)

    @expose("/enrol_untrained/<int:pk>", methods=["POST"])
    @has_access
    def enrol_untrained(self, pk):
        viewer = scope.current_viewer()
        training_session = scope.get_visible(TrainingSession, pk, viewer)
        if training_session is None:
            abort(404)
        cadres = training.untrained_in_scope(viewer, training_session.audience).all()
        return _enrol(viewer, training_session, cadres)

    @expose("/rollcall/<int:pk>", methods=["GET", "POST"])
    @has_access
    def roll_call(self, pk):
        """点名: the session's enrolled cadres of the user's scope, a status
        and "completed" per row, saved in one step."""
        viewer = scope.current_viewer()
        training_session = scope.get_visible(TrainingSession, pk, viewer)
        if training_session is None:
            abort(404)
        if request.method == "POST":
            sent = request.form.getlist("row")
            if scope.visible_all(TrainingAttendance, sent, viewer) is None:
                abort(404)  # another scope's record (or none): nothing changes
            marks = {
                row: (request.form.get("status-%s" % row), request.form.get("completed-%s" % row) == "y",
                      request.form.get("version-%s" % row))
                for row in sent
            }
            try:
                count = training.roll_call(viewer, training_session, marks)
            except writes.Refused as exc:
                flash(exc.message(), "danger")
                return redirect(url_for("TrainingTools.roll_call", pk=training_session.id))
            flash(_("%(count)d record(s) updated.", count=count), "success")
            return redirect(url_for("TrainingSessionView.show", pk=training_session.id))
        return self.render_template(
            "villageaid/roll_call.html", title=_("Roll call"), training_session=training_session,
            rows=training.roll_call_rows(viewer, training_session), statuses=list(ATTENDANCE_STATUSES),
            ended=session_ended(training_session), kind_label=CADRE_KINDS.label,
        )

    @expose("/coverage/")
    @has_access
    def coverage(self):
        viewer = scope.current_viewer()
        place, problem = _place_args()
        if problem:
            flash(problem, "warning")
        reports = [(by, _report_title(by), _coverage_of(viewer, by, place)) for by in _groupings(viewer, place)]
        return self.render_template(
            "villageaid/coverage.html", reports=reports, title=_("Training coverage"), place=place,
            trail=_trail(place), links=lambda by, row: _coverage_links(by, row, place),
        )

    @expose("/coverage/export/")
    @has_access
    def coverage_export(self):
        by = request.args.get("by", "town")
        if by not in training.GROUPINGS:
            return bad_request(_("Unknown grouping."))
        encoding = chosen_encoding()
        if encoding is None:
            return bad_request(_("Unknown encoding; choose UTF-8 or GB18030."))
        place, problem = _place_args()
        if problem:
            return bad_request(problem)
        report = _coverage_of(scope.current_viewer(), by, place)
        rows = [(r.name, r.new, r.trained, r.untrained, r.percent, r.hours) for r in report.rows + [report.total]]
        headers = [_report_title(by), _("New cadres"), _("Trained"), _("Untrained"), _("Coverage rate"),
                   _("Training hours")]
        title = "%s-%s" % (_("Training coverage"), _report_title(by))
        if place is not None:
            title = "%s-%s" % (title, place.name)
        return csv_stream(report_body(rows), headers, title, encoding)


def _place_args():
    """(the division opened by the `county` argument — a county: its towns,
    units and kinds — or the `division` argument — a province or
    prefecture: the divisions under it — or None; the message when the
    argument names no such division)."""
    given = [name for name in ("county", "division") if request.args.get(name, "").strip()]
    if len(given) > 1:
        return None, _("Open a county or a division, not both; both were left out.")
    for name, fits in (("county", lambda d: d.level == COUNTY), ("division", lambda d: d.level != COUNTY)):
        if name not in given:
            continue
        pk, problem = int_arg(name, *ID_RANGE)
        found = current_app.appbuilder.session.get(Division, pk) if pk is not None else None
        if problem or (pk is not None and (found is None or not fits(found))):
            return None, problem or _("“%(value)s” is not valid here; it was left out.", value=shown(pk))
        return found, None
    return None, None


def _coverage_of(viewer, by, place):
    if place is None:
        return training.coverage(viewer, by)
    if place.level == COUNTY:
        return training.coverage(viewer, by, county=place.id)
    return training.coverage(viewer, by, division=place.id)


def _groupings(viewer, place):
    """The tables of the coverage page: a county opened (or a scope within
    one county) per town, unit and kind; a province or prefecture opened
    per the level under it and kind; a scope of several counties per the
    level it starts at (training.first_level) and kind."""
    if place is not None:
        return ("town", "unit", "kind") if place.level == COUNTY else (CHILD_LEVEL[place.level], "kind")
    level = training.first_level(viewer)
    return (level, "kind") if level is not None else ("town", "unit", "kind")


def _trail(place):
    """[(name, link)] from the whole scope down to the division opened (the
    last without a link); empty when nothing is opened."""
    if place is None:
        return []
    chain, session = [place], current_app.appbuilder.session
    while chain[-1].parent_id is not None and len(chain) < len(LEVELS):
        chain.append(session.get(Division, chain[-1].parent_id))
    trail = [(_("Whole scope"), url_for("TrainingTools.coverage"))]
    for division in reversed(chain[1:]):
        trail.append((division.name, url_for("TrainingTools.coverage", division=division.id)))
    return trail + [(place.name, None)]


def _enrol(viewer, training_session, cadres):
    try:
        result = training.enrol(viewer, training_session, sorted(cadres, key=lambda c: (c.name, c.id)))
    except training.OverCapacity as exc:
        # nobody is enrolled: the person chooses who gets in
        flash(exc.message(), "danger")
        return _select_page(exc)
    except writes.Refused as exc:
        flash(exc.message(), "danger")
    else:
        flash(result.message(), "success" if result.done else "warning")
        if result.warning():
            flash(result.warning(), "warning")
    return redirect(url_for("TrainingSessionView.show", pk=training_session.id))


def _select_page(refusal):
    tools = current_app.appbuilder.baseviews
    view = next(v for v in tools if isinstance(v, TrainingTools))
    return view.render_template(
        "villageaid/enrol_select.html", title=_("Choose whom to enrol"),
        training_session=refusal.training_session, room=refusal.room, cadres=refusal.candidates,
    )


def _report_title(by):
    return {"town": _("By town"), "unit": _("By dispatching unit"), "kind": _("By kind of cadre"),
            "county": _("By county"), "prefecture": _("By prefecture"), "province": _("By province")}[by]


def _coverage_links(by, row, place=None):
    """Links from a coverage row's numbers to the lists behind them; a
    division's name opens what lies under it (a county: its towns and
    units). The lists have no division filter: the figures of a division's
    page link only per town or unit, and the total of the whole scope to
    the whole lists."""
    if by in training.DIVISION_GROUPINGS and row.key is not None:
        return {"name": url_for("TrainingTools.coverage", **{"county" if by == COUNTY else "division": row.key})}
    if place is not None and (by == "kind" or row.key is None):
        return {}
    if row.key is None:
        if row.name != _("Total"):
            return {}
        args = {}
    else:
        args = {by: row.key}

    def link(view_name, **values):
        column_filters = {"town": ("town_id", FilterEqual), "unit": ("unit", FilterRelationOneToManyEqual),
                          "kind": ("kind", FilterEqual), "trained": ("trained", FilterEqual)}
        query = {filter_arg(view_name, *column_filters[k]): v for k, v in values.items()}
        return url_for(view_name + ".list", **query)

    return {
        "new": link("NewCadreTrainingView", **args),
        "trained": link("NewCadreTrainingView", trained="y", **args),
        "untrained": link("UntrainedCadreView", **args),
    }


class TrainingSessionApi(ScopedModelRestApi):
    resource_name = "training_session"
    datamodel = ScopedInterface(TrainingSession)
    list_columns = show_columns = ["id", "title", "batch", "organiser", "start_date", "end_date", "place", "hours", "audience", "capacity", "content", "row_version"]
    add_columns = edit_columns = ["title", "batch", "organiser", "start_date", "end_date", "place", "hours", "audience", "capacity", "content"]
    search_columns = ["title", "batch", "start_date", "audience"]
    order_columns = ["title", "start_date"]


class AttendanceApi(ScopedModelRestApi):
    resource_name = "training_attendance"
    datamodel = ScopedInterface(TrainingAttendance)
    list_columns = show_columns = ["id", "training_session.id", "training_session.title", "cadre.id", "cadre.name", "status", "completed", "note", "row_version"]
    add_columns = edit_columns = ["training_session", "cadre", "status", "completed", "note"]
    search_columns = ["training_session", "cadre", "status", "completed"]
    order_columns = ["status", "completed"]

    def write_warnings(self, item):
        if training.ended_before_start(item.training_session, item.cadre):
            return [training.ended_before_start_warning([item.cadre])]
        return []


class TrainingReportApi(BaseApi):
    """Coverage as JSON: GET /api/v1/training/coverage?by=town|unit|kind|county|prefecture|province
    (`county`: a county's id, only its cadres; `division`: a province's or
    prefecture's id, only those of the counties under it)."""

    resource_name = "training"
    allow_browser_login = True
    method_permission_name = {"coverage": "get"}

    @api_expose("/coverage", methods=["GET"])
    @protect()
    def coverage(self):
        by = request.args.get("by", "town")
        if by not in training.GROUPINGS:
            return self.response_400(message=_("Unknown grouping."))
        place, problem = _place_args()
        if problem:
            return self.response_400(message=problem)
        report = _coverage_of(scope.current_viewer(), by, place)
        return jsonify(by=by, rows=[r.as_dict() for r in report.rows], total=report.total.as_dict())
