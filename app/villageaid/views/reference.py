"""Reference data: towns, units, villages, cadres, and scope assignments."""
from datetime import date

from flask import flash, redirect, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _, lazy_gettext as _l

from .. import nextpath, scope, villagefile
from ..choices import (ALERT_KINDS, ALERT_STATUSES, CADRE_KINDS, CADRE_POSTS, CADRE_STATUSES, CANDIDATE_STATUSES,
                       EDUCATION, FOLLOWUP_KINDS, POLITICAL_STATUSES)
from ..models import Cadre, Division, ExportReceipt, ScopeAssignment, Town, Unit, Village
from ..exports import yes_no
from .base import ScopedInterface, ScopedModelRestApi, ScopedModelView
from .imports import ImportMixin
from .training import AttendanceView

AUDIT_FIELDSET = (
    _l("Record"),
    {"fields": ["created_by", "created_on", "changed_by", "changed_on"], "expanded": False},
)


class FocusVillageFilter(BaseFilter):
    """Non-poor villages with registered poor >= the configured threshold."""

    name = _l("Focus non-poor villages")

    def apply(self, query, value):
        return query.filter(Village.focus_condition())


class DivisionView(ScopedModelView):
    """行政区划: provinces, prefectures and counties by their GB/T 2260 codes;
    read by everyone, kept by the office (not deleted: towns and units hang
    on them)."""

    datamodel = ScopedInterface(Division)
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_export"]
    list_title = show_title = _l("Administrative divisions")
    add_title = _l("Add administrative division")
    edit_title = _l("Edit administrative division")
    list_columns = ["code", "name", "level", "parent"]
    show_fieldsets = [(_l("Administrative division"), {"fields": ["code", "name", "level", "parent"]}), AUDIT_FIELDSET]
    add_columns = edit_columns = ["code", "name", "parent"]
    search_columns = ["code", "name", "level", "parent"]
    order_columns = ["code", "name", "level"]
    base_order = ("code", "asc")
    lookup_keys = {"parent": "division"}
    description_columns = {
        "code": _l("Six digits (GB/T 2260): 530000 a province, 530400 a prefecture, 530428 a county; "
                   "the level follows from it."),
        "parent": _l("Left empty, it is taken from the code."),
    }


class TownView(ImportMixin, ScopedModelView):
    datamodel = ScopedInterface(Town)
    list_title = show_title = _l("Towns, farms and subdistricts")
    add_title = _l("Add town")
    edit_title = _l("Edit town")
    list_columns = ["name", "kind", "code", "county"]
    show_fieldsets = [(_l("Town"), {"fields": ["name", "kind", "code", "county"]}), AUDIT_FIELDSET]
    add_columns = edit_columns = ["name", "kind", "code", "county"]
    search_columns = ["name", "kind", "code", "county"]
    order_columns = ["name", "kind", "code"]
    base_order = ("name", "asc")
    lookup_keys = {"county": "county"}
    description_columns = {"county": _l("Left empty: the county of this installation, when it holds one county; with several, choose one.")}


class UnitView(ImportMixin, ScopedModelView):
    datamodel = ScopedInterface(Unit)
    list_title = show_title = _l("Dispatching units")
    add_title = _l("Add unit")
    edit_title = _l("Edit unit")
    list_columns = ["name", "category", "contact", "phone", "county"]
    show_fieldsets = [(_l("Unit"), {"fields": ["name", "category", "contact", "phone", "county"]}), AUDIT_FIELDSET]
    add_columns = edit_columns = ["name", "category", "contact", "phone", "county"]
    search_columns = ["name", "category", "contact", "county"]
    order_columns = ["name", "category"]
    base_order = ("name", "asc")
    lookup_keys = {"county": "county"}
    description_columns = {"county": _l("Left empty: the county of this installation, when it holds one county; with several, choose one.")}


class CadreView(ImportMixin, ScopedModelView):
    datamodel = ScopedInterface(Cadre, undefer=("training_hours",))
    list_title = show_title = _l("Cadres")
    add_title = _l("Add cadre")
    edit_title = _l("Edit cadre")
    list_columns = ["name", "gender", "kind", "post", "unit", "village", "town", "start_date", "status", "is_new"]
    show_fieldsets = [
        (_l("Cadre"), {"fields": ["name", "gender", "id_number", "phone", "kind", "post", "unit", "village", "town", "start_date", "status", "is_new"]}),
        (_l("Qualifications"), {"fields": ["education", "political_status", "party_join_date"]}),
        (_l("Training"), {"fields": ["trained_on", "training_hours"]}),
        AUDIT_FIELDSET,
    ]
    add_columns = edit_columns = ["name", "gender", "id_number", "phone", "kind", "post", "unit", "village", "town", "start_date", "status",
                                  "education", "political_status", "party_join_date"]
    search_columns = ["name", "kind", "post", "unit", "village", "town", "start_date", "status", "education", "political_status"]
    order_columns = ["name", "kind", "post", "start_date", "status"]
    formatters_columns = {"is_new": yes_no, "training_hours": lambda v: "" if v is None else v}
    export_extra_columns = ("id_number", "phone", "education", "political_status", "party_join_date")
    export_expressions = {"is_new": Cadre.new_condition}
    label_columns = {"name": _l("Full name"), "town": _l("Town (township cadres)"),
                     "trained_on": _l("Trained on (first session that counts)")}
    base_order = ("name", "asc")
    related_views = [AttendanceView]  # the cadre's training history
    list_template = "villageaid/cadre_list.html"  # with the printed roster
    method_permission_name_extra = {"roster": "list"}  # the printed list
    roster_columns = ["name", "gender", "kind", "post", "unit", "village", "town", "start_date", "status", "trained_on"]

    @expose("/roster/")
    @has_access
    def roster(self):
        """花名册: the list with its current filters and ordering, every page,
        printable (at most VILLAGEAID_EXPORT_MAX_ROWS rows)."""
        filters, query = self.export_query()
        cap = villagefile.print_limit()
        if cap:
            total = self.datamodel.query_count(self.datamodel.session.query(self.datamodel.obj), filters, cap=cap)
            if total > cap:
                flash(_("The list has more than the %(cap)d rows a roster may hold; narrow the filters.", cap=cap),
                      "danger")
                return redirect(self.get_redirect())
        columns = [(c, self.label_columns.get(c, c)) for c in self.roster_columns]
        rows = [[villagefile.cell(item, c) for c, _label in columns] for item in query.all()]
        return self.render_template(
            "villageaid/roster.html", rows=rows, columns=columns, title=_("Roster of cadres"),
            reporting_unit=villagefile.reporting_unit(), printed_on=date.today(),
        )
    lookup_keys = {"town": "mytown"}  # a township cadre is recorded in the clerk's own towns
    description_columns = {
        "id_number": _l("18 characters; a final x is stored as X."),
        "phone": _l("Mobile, or landline with area code, e.g. 0877-6012345."),
    }


class VillageView(ImportMixin, ScopedModelView):
    datamodel = ScopedInterface(Village)
    list_title = show_title = _l("Villages")
    add_title = _l("Add village")
    edit_title = _l("Edit village")
    list_columns = ["name", "town", "unit", "poverty_status", "exit_year", "registered_poor", "is_focus"]
    show_fieldsets = [
        (_l("Village"), {"fields": ["name", "town", "unit", "poverty_status", "exit_year", "registered_poor", "is_focus",
                                    "followup_since", "area_code"]}),
        AUDIT_FIELDSET,
    ]
    add_columns = edit_columns = ["name", "town", "unit", "poverty_status", "exit_year", "registered_poor",
                                  "followup_since", "area_code"]
    search_columns = ["name", "town", "unit", "poverty_status", "exit_year", "registered_poor", "followup_since",
                      "area_code"]
    order_columns = ["name", "poverty_status", "exit_year", "registered_poor"]
    formatters_columns = {"is_focus": yes_no}
    export_expressions = {"is_focus": Village.focus_condition}
    base_order = ("name", "asc")
    lookup_keys = {"town": "mytown"}  # a clerk records villages in its own towns only
    office_permissions = ("import",)  # villages are imported by the office
    show_template = "villageaid/village_show.html"  # the detail page is the village file (一村一档)
    description_columns = {
        "exit_year": _l("Only for poor villages: the year the village exited poverty."),
        "followup_since": _l("Only for focus non-poor villages: the day the village joined the follow-up set "
                             "(records, yearly summary and alerts from that year on)."),
        "area_code": _l("The official 12-digit statistical area code (统计用区划代码), if known; "
                        "imports may name the village by it."),
    }

    def render_template(self, template, **kwargs):
        """The detail page is the village file: its sections (villagefile.py),
        printable with the print header."""
        if template == self.show_template and "pk" in kwargs:
            # the row the page has just loaded through its scope: no statement
            village = self.datamodel.session.get(Village, scope.parse_id(kwargs["pk"]))
            if village is not None:
                kwargs.update(
                    file=villagefile.village_file(self.viewer, village),
                    file_title=_("Village file") + " · " + village.name,
                    reporting_unit=villagefile.reporting_unit(), printed_on=date.today(),
                    post_label=CADRE_POSTS.label, kind_label=CADRE_KINDS.label,
                    status_label=CANDIDATE_STATUSES.label, cadre_status_label=CADRE_STATUSES.label,
                    education_label=EDUCATION.label, political_label=POLITICAL_STATUSES.label,
                    followup_kind_label=FOLLOWUP_KINDS.label, alert_kind_label=ALERT_KINDS.label,
                    alert_status_label=ALERT_STATUSES.label,
                    # each cadre's edit form, returning to this page, for who may edit cadres
                    cadre_edit_link=(lambda pk: nextpath.with_next(url_for("CadreView.edit", pk=pk)))
                    if self.appbuilder.sm.has_access("can_edit", "CadreView") else None,
                )
        return super().render_template(template, **kwargs)


class FocusVillageView(VillageView):
    """The focus non-poor villages: a village list with that filter fixed."""

    list_title = _l("Focus non-poor villages")
    base_filters = [["id", FocusVillageFilter, None]]


class ScopeAssignmentView(ScopedModelView):
    datamodel = ScopedInterface(ScopeAssignment)
    list_title = show_title = _l("Scope assignments")
    add_title = _l("Assign a scope")
    edit_title = _l("Edit scope assignment")
    list_columns = ["user", "town", "unit", "division", "note"]
    show_fieldsets = [(_l("Scope assignment"), {"fields": ["user", "town", "unit", "division", "note"]}),
                      AUDIT_FIELDSET]
    add_columns = edit_columns = ["user", "town", "unit", "division", "note"]
    search_columns = ["user", "town", "unit", "division"]
    lookup_keys = {"user": "user"}
    description_columns = {
        "town": _l("Choose a town, a unit or an administrative division; add one row per town, unit or division."),
        "division": _l("A province, prefecture or county: every town and unit under it."),
    }


class ExportReceiptView(ScopedModelView):
    """导出记录: read-only; who exported which list, when, how many rows."""

    datamodel = ScopedInterface(ExportReceipt)
    base_permissions = ["can_list", "can_show", "can_export"]
    list_title = show_title = _l("Export log")
    list_columns = ["created_on", "user", "list_name", "row_count", "encoding", "status"]
    show_columns = ["created_on", "user", "list_name", "endpoint", "query_string", "row_count", "encoding", "sha256", "status"]
    search_columns = ["created_on", "user", "list_name", "encoding", "status"]
    order_columns = ["created_on", "list_name", "row_count"]
    base_order = ("created_on", "desc")
    show_history = False


# --- REST API ---------------------------------------------------------------


class DivisionApi(ScopedModelRestApi):
    resource_name = "division"
    datamodel = ScopedInterface(Division)
    base_permissions = ["can_get", "can_info", "can_post", "can_put"]
    include_route_methods = {"get", "get_list", "info", "post", "put"}  # not deleted: no DELETE route at all
    list_columns = show_columns = ["id", "code", "name", "level", "parent.id", "parent.code", "row_version"]
    add_columns = edit_columns = ["code", "name", "parent"]
    search_columns = ["code", "name", "level", "parent"]
    order_columns = ["code", "name", "level"]


class TownApi(ScopedModelRestApi):
    resource_name = "town"
    datamodel = ScopedInterface(Town)
    list_columns = show_columns = ["id", "name", "kind", "code", "county.id", "county.code", "row_version"]
    add_columns = edit_columns = ["name", "kind", "code", "county"]
    search_columns = ["name", "kind", "code", "county"]
    order_columns = ["name", "kind", "code"]


class UnitApi(ScopedModelRestApi):
    resource_name = "unit"
    datamodel = ScopedInterface(Unit)
    list_columns = show_columns = ["id", "name", "category", "contact", "phone", "county.id", "county.code",
                                   "row_version"]
    add_columns = edit_columns = ["name", "category", "contact", "phone", "county"]
    search_columns = ["name", "category", "county"]
    order_columns = ["name", "category"]


class VillageApi(ScopedModelRestApi):
    resource_name = "village"
    datamodel = ScopedInterface(Village)
    list_columns = show_columns = [
        "id", "name", "town.id", "town.name", "unit.id", "unit.name",
        "poverty_status", "exit_year", "registered_poor", "area_code", "row_version",
    ]
    add_columns = edit_columns = ["name", "town", "unit", "poverty_status", "exit_year", "registered_poor",
                                  "followup_since", "area_code"]
    search_columns = ["name", "town", "unit", "poverty_status", "exit_year", "registered_poor", "followup_since",
                      "area_code"]
    order_columns = ["name", "exit_year", "registered_poor"]


class CadreApi(ScopedModelRestApi):
    resource_name = "cadre"
    datamodel = ScopedInterface(Cadre)
    list_columns = show_columns = [
        "id", "name", "gender", "id_number", "phone", "kind", "post",
        "unit.id", "unit.name", "village.id", "village.name", "town.id", "town.name", "start_date", "status",
        "trained_on", "education", "political_status", "party_join_date", "row_version",
    ]
    add_columns = edit_columns = [
        "name", "gender", "id_number", "phone", "kind", "post", "unit", "village", "town", "start_date", "status",
        "education", "political_status", "party_join_date",
    ]
    search_columns = ["name", "kind", "post", "unit", "village", "town", "start_date", "status"]
    order_columns = ["name", "start_date"]
