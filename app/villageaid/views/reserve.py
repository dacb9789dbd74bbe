"""Reserve cadres (村级后备力量): candidates, villages below target, summary."""
from flask import flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.api import BaseApi, expose as api_expose
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access, protect
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import not_
from wtforms.validators import Optional

from .. import reserve, scope
from ..eligibility import issues_condition
from ..exports import chosen_encoding, csv_stream, report_body
from ..fields import ChoiceField
from ..queryargs import bad_request
from ..choices import Choices
from ..eligibility import election_date, issues
from ..models import ReserveCandidate, Village
from .base import ScopedInterface, ScopedModelRestApi, ScopedModelView
from .imports import ImportMixin

YES_NO = Choices(("y", _l("Yes")), ("n", _l("No")))


def unmet_rules_message(item):
    """The warning shown when a saved candidate does not meet every rule of
    its track (None when it does)."""
    found = issues(item)
    if not found:
        return None
    return _("Saved, but %(name)s does not meet every rule of the target post: %(rules)s",
             name=item.name, rules=" ".join(found))


def include_closed():
    """The summary's filter ``closed=1``: also count withdrawn and
    not-elected candidates. None for a value it does not know."""
    value = request.args.get("closed", "")
    return {"": False, "0": False, "1": True}.get(value)


class HasIssuesFilter(BaseFilter):
    name = _l("Is")

    def apply(self, query, value):
        wanted = value[0] if isinstance(value, list) else value
        condition = issues_condition()
        return query.filter(condition if wanted != "n" else not_(condition))


class BelowTargetFilter(BaseFilter):
    name = _l("Below target")

    def apply(self, query, value):
        return query.filter(reserve.below_target_condition())


CANDIDATE_COLUMNS = [
    "name", "village", "village.town.name", "gender", "birth_date", "education", "political_status",
    "background", "target_post", "status", "eligibility",
]


class ReserveCandidateView(ImportMixin, ScopedModelView):
    datamodel = ScopedInterface(ReserveCandidate, filters={"has_issues": [HasIssuesFilter]})
    list_title = show_title = _l("Reserve candidates")
    add_title = _l("Add reserve candidate")
    edit_title = _l("Edit reserve candidate")
    list_columns = CANDIDATE_COLUMNS
    show_fieldsets = [
        (_l("Candidate"), {"fields": [
            "name", "village", "gender", "ethnicity", "id_number", "birth_date", "education",
            "political_status", "party_join_date", "background", "phone"]}),
        (_l("Cultivation"), {"fields": ["target_post", "mentor", "measures", "status", "elected_post", "elected_date", "notes", "eligibility"]}),
        (_l("Record"), {"fields": ["created_by", "created_on", "changed_by", "changed_on"], "expanded": False}),
    ]
    add_columns = edit_columns = [
        "village", "name", "gender", "ethnicity", "id_number", "birth_date", "education",
        "political_status", "party_join_date", "background", "phone", "target_post", "mentor",
        "measures", "status", "elected_post", "elected_date", "notes",
    ]
    search_columns = ["name", "village", "target_post", "status", "education", "political_status", "background", "has_issues"]
    order_columns = ["name", "birth_date", "education", "target_post", "status"]
    base_order = ("name", "asc")
    lookup_keys = {"mentor": "cadre"}
    label_columns = {"name": _l("Full name"), "has_issues": _l("Has eligibility issues"), "record_code": _l("Record ID")}
    export_extra_columns = ("ethnicity", "id_number", "phone", "party_join_date", "mentor", "elected_post", "elected_date")
    description_columns = {
        "id_number": _l("When given, the birth date is taken from it."),
        "birth_date": _l("Needed when there is no ID number."),
        "mentor": _l("A cadre in your scope who guides the candidate (培养联系人)."),
        "elected_post": _l("Only when the status is “elected”."),
    }
    search_form_extra_fields = {"has_issues": ChoiceField(_l("Has eligibility issues"), [Optional()], options=YES_NO)}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.export_expressions = {"eligibility": reserve.eligibility_export_expression}

    # a candidate saved with unmet rules: the warning at once, on its own page
    def post_add(self, item):
        self._warn(item)

    def post_update(self, item):
        self._warn(item)

    def _warn(self, item):
        message = unmet_rules_message(item)
        if message:
            flash(message, "warning")
            g.va_saved_with_warnings = item.id

    def post_add_redirect(self):
        return self._to_saved() or super().post_add_redirect()

    def post_edit_redirect(self):
        return self._to_saved() or super().post_edit_redirect()

    def _to_saved(self):
        pk = g.pop("va_saved_with_warnings", None)
        return redirect(url_for(".show", pk=pk)) if pk is not None else None


COUNT_LABELS = {
    "candidate_count": _l("Eligible candidates"), "candidate_all": _l("All candidates"),
    "secretary_count": _l("Secretary track: eligible"), "secretary_all": _l("Secretary track: all"),
    "director_count": _l("Director track: eligible"), "director_all": _l("Director track: all"),
    "both_count": _l("“一肩挑” track: eligible"), "both_all": _l("“一肩挑” track: all"),
    "member_count": _l("Member track: eligible"), "member_all": _l("Member track: all"),
}
PAIRED_COUNTS = [c for pair in zip(reserve.COUNT_COLUMNS, reserve.ALL_COLUMNS) for c in pair]


class BelowTargetView(ScopedModelView):
    """后备力量不足村: villages with fewer eligible candidates than the
    target; per track, eligible and all candidates of an active status."""

    datamodel = ScopedInterface(Village, undefer=reserve.ALL_COLUMNS)
    list_title = show_title = _l("Villages below the reserve target")
    base_permissions = ["can_list", "can_show", "can_export"]
    extra_args = {"report_kind": "below_target"}  # the parameters named under the list
    base_filters = [["id", BelowTargetFilter, None]]
    list_columns = ["name", "town", "unit"] + PAIRED_COUNTS + ["missing_candidates", "missing_both"]
    show_columns = list_columns
    search_columns = ["name", "town", "unit", "poverty_status"]
    order_columns = ["name", "candidate_count", "both_count"]
    base_order = ("name", "asc")
    label_columns = COUNT_LABELS
    related_views = [ReserveCandidateView]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.export_expressions = reserve.count_export_expressions()


class NoOneShoulderFilter(BaseFilter):
    name = _l("No 一肩挑")

    def apply(self, query, value):
        return query.filter(reserve.no_one_shoulder_condition())


class NoOneShoulderView(ScopedModelView):
    """Villages where neither the holder of 书记 or 主任 today nor an eligible
    candidate on the 一肩挑 track meets the 一肩挑 rules."""

    datamodel = ScopedInterface(Village, undefer=("both_all",))
    list_title = show_title = _l("Villages without a 一肩挑 prospect")
    base_permissions = ["can_list", "can_show", "can_export"]
    base_filters = [["id", NoOneShoulderFilter, None]]
    list_columns = ["name", "town", "unit", "both_count", "both_all", "missing_both"]
    show_columns = list_columns
    search_columns = ["name", "town", "unit", "poverty_status"]
    order_columns = ["name", "both_count"]
    base_order = ("name", "asc")
    label_columns = COUNT_LABELS
    related_views = [ReserveCandidateView]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.export_expressions = {"missing_both": reserve.count_export_expressions()["missing_both"]}


class ReserveTools(BaseView):
    """The reserve summary (counts for the user's scope)."""

    route_base = "/villageaid/reserve"
    default_view = "summary"
    method_permission_name = {"summary": "summary", "summary_export": "summary",
                              "election": "summary", "election_export": "summary"}
    read_permissions = ("summary",)

    @expose("/summary/")
    @has_access
    def summary(self):
        closed = include_closed()
        if closed is None:
            return bad_request(_("Unknown filter value."))
        return self.render_template("villageaid/reserve_summary.html", title=_("Reserve summary"),
                                    tables=reserve.summary_tables(scope.current_viewer(), closed), closed=closed,
                                    election_date=election_date())

    @expose("/summary/export/")
    @has_access
    def summary_export(self):
        closed = include_closed()
        if closed is None:
            return bad_request(_("Unknown filter value."))
        tables = {t.key: t for t in reserve.summary_tables(scope.current_viewer(), closed)}
        return self._export(tables, _("Reserve summary"), "town")

    @expose("/election/")
    @has_access
    def election(self):
        return self.render_template("villageaid/reserve_summary.html", title=_("After the election"),
                                    tables=[reserve.election_report(scope.current_viewer())],
                                    export_endpoint="ReserveTools.election_export", election_date=election_date())

    @expose("/election/export/")
    @has_access
    def election_export(self):
        table = reserve.election_report(scope.current_viewer())
        return self._export({table.key: table}, _("After the election"), table.key)

    def _export(self, tables, name, default):
        key = request.args.get("table", default)
        if key not in tables:
            return bad_request(_("Unknown table or encoding."))
        encoding = chosen_encoding()
        if encoding is None:
            return bad_request(_("Unknown encoding; choose UTF-8 or GB18030."))
        table = tables[key]
        rows = [[label] + ["" if v is None else v for v in values] for label, values in table.rows]
        return csv_stream(report_body(rows), table.headers, "%s-%s" % (name, table.title), encoding)


class ReserveCandidateApi(ScopedModelRestApi):
    resource_name = "reserve_candidate"
    datamodel = ScopedInterface(ReserveCandidate)
    list_columns = show_columns = [
        "id", "village.id", "village.name", "name", "gender", "ethnicity", "id_number", "birth_date",
        "education", "political_status", "party_join_date", "background", "phone", "target_post",
        "mentor.id", "mentor.name", "measures", "status", "elected_post", "elected_date", "notes",
        "eligibility_issues", "row_version",
    ]
    add_columns = edit_columns = [
        "village", "name", "gender", "ethnicity", "id_number", "birth_date", "education",
        "political_status", "party_join_date", "background", "phone", "target_post", "mentor",
        "measures", "status", "elected_post", "elected_date", "notes",
    ]
    search_columns = ["name", "village", "target_post", "status", "education", "political_status", "background"]
    order_columns = ["name", "birth_date", "status"]

    def write_warnings(self, item):
        """The unmet rules of the saved candidate, at once."""
        return issues(item)


class ReserveReportApi(BaseApi):
    """GET /api/v1/reserve/summary and /api/v1/reserve/below_target"""

    resource_name = "reserve"
    allow_browser_login = True
    method_permission_name = {"summary": "get", "below_target": "get", "election": "get"}

    @api_expose("/summary", methods=["GET"])
    @protect()
    def summary(self):
        closed = include_closed()
        if closed is None:
            return self.response_400(message=_("Unknown filter value."))
        return jsonify(tables=[t.as_dict() for t in reserve.summary_tables(scope.current_viewer(), closed)])

    @api_expose("/election", methods=["GET"])
    @protect()
    def election(self):
        return jsonify(tables=[reserve.election_report(scope.current_viewer()).as_dict()])

    @api_expose("/below_target", methods=["GET"])
    @protect()
    def below_target(self):
        return jsonify(villages=reserve.below_target_rows(scope.current_viewer()))
