"""VillageAidManager: the plugin's only entry point for a host application.

    ADDON_MANAGERS = ["villageaid.manager.VillageAidManager"]
"""
import os

from flask import Blueprint, current_app
from flask_appbuilder.basemanager import BaseManager
from flask_babel import get_locale, lazy_gettext as _l
from jinja2 import ChoiceLoader, FileSystemLoader

from . import defaults, errors, evidence, fabguards, frozen, headers, history, nextpath, preload, queryargs, settings
from .database import prepare_connections
from .roles import sync_roles
from .timefmt import local_time
from .views.followup import (
    AlertCountsView,
    FollowUpAlertView,
    FollowUpRecordApi,
    FollowUpRecordView,
    FollowUpReportApi,
    FollowUpTools,
    FollowUpYearView,
)
from .disclosures import listen as listen_for_disclosures, record_request
from .security.manager import VillageAidSecurityManager
from .views.audit import LoginEventView, PersonalDataViewLogView
from .views.evidence import EvidenceView
from .views.history import ChangeRecordView
from .views.imports import ImportBatches
from .views.jobs import JobsView
from .views.lookup import VillageAidLookup
from .views.recycle import RecycleBin
from .views.dictionaries import DictionaryView
from .views.frozen import FrozenReportsView
from .views.settings import OfficeSettingsView
from .views.reserve import (
    BelowTargetView,
    NoOneShoulderView,
    ReserveCandidateApi,
    ReserveCandidateView,
    ReserveReportApi,
    ReserveTools,
)
from .views.training import (
    AttendanceApi,
    AttendanceView,
    NewCadreTrainingView,
    TrainingReportApi,
    TrainingSessionApi,
    TrainingSessionView,
    TrainingTools,
    UntrainedCadreView,
)
from .views.reference import (
    CadreApi,
    CadreView,
    ExportReceiptView,
    FocusVillageView,
    ScopeAssignmentView,
    DivisionApi,
    DivisionView,
    TownApi,
    TownView,
    UnitApi,
    UnitView,
    VillageApi,
    VillageView,
)

HERE = os.path.dirname(__file__)
TRANSLATIONS = os.path.join(HERE, "translations")

REFERENCE = "Reference data"
TRAINING = "Training"
RESERVE = "Reserve"
FOLLOWUP = "Follow-up"
SETTINGS = "Access"
OFFICE = "Office"
AUDIT = "Audit"
JOBS = "Jobs"
CATEGORIES = {
    REFERENCE: (_l("Reference data"), "fa-database"),
    TRAINING: (_l("Training rotations"), "fa-graduation-cap"),
    RESERVE: (_l("Reserve cadres"), "fa-user-plus"),
    FOLLOWUP: (_l("Follow-up of exited villages"), "fa-handshake-o"),
    SETTINGS: (_l("Access"), "fa-lock"),
    OFFICE: (_l("Office administration"), "fa-cogs"),
    AUDIT: (_l("Audit"), "fa-eye"),
    JOBS: (_l("My jobs"), "fa-tasks"),
}
# menus only some roles see (areas in roles.grants); the others are for all
CATEGORY_AREAS = {AUDIT: "audit"}

# (view class, area for the default role permissions, menu name, menu label,
#  category, icon); a view without a menu name has no menu entry.
VIEWS = [
    (DivisionView, "reference", "Administrative divisions", _l("Administrative divisions"), REFERENCE, "fa-sitemap"),
    (TownView, "reference", "Towns", _l("Towns, farms and subdistricts"), REFERENCE, "fa-map"),
    (UnitView, "reference", "Units", _l("Dispatching units"), REFERENCE, "fa-building"),
    (VillageView, "records", "Villages", _l("Villages"), REFERENCE, "fa-home"),
    (FocusVillageView, "records", "Focus villages", _l("Focus non-poor villages"), REFERENCE, "fa-star"),
    (CadreView, "records", "Cadres", _l("Cadres"), REFERENCE, "fa-users"),
    (TrainingSessionView, "reference", "Training sessions", _l("Training sessions"), TRAINING, "fa-calendar"),
    (AttendanceView, "records", "Attendance records", _l("Attendance records"), TRAINING, "fa-check-square-o"),
    (UntrainedCadreView, "records", "Untrained new cadres", _l("Untrained new cadres"), TRAINING, "fa-user-times"),
    (NewCadreTrainingView, "records", "New cadres and training", _l("New cadres and training"), TRAINING, "fa-id-card"),
    (TrainingTools, "records", "Training coverage", _l("Training coverage"), TRAINING, "fa-pie-chart"),
    (ReserveCandidateView, "records", "Reserve candidates", _l("Reserve candidates"), RESERVE, "fa-address-book"),
    (BelowTargetView, "records", "Villages below target", _l("Villages below the reserve target"), RESERVE, "fa-exclamation-triangle"),
    (NoOneShoulderView, "records", "Villages without a one-shoulder prospect", _l("Villages without a 一肩挑 prospect"), RESERVE, "fa-user-times"),
    (ReserveTools, "records", "Reserve summary", _l("Reserve summary"), RESERVE, "fa-bar-chart"),
    (FollowUpRecordView, "records", "Follow-up records", _l("Follow-up records"), FOLLOWUP, "fa-list"),
    (FollowUpYearView, "records", "Yearly follow-up summary", _l("Yearly follow-up summary"), FOLLOWUP, "fa-table"),
    (FollowUpTools, "records", "Follow-up alerts", _l("Follow-up alerts"), FOLLOWUP, "fa-bell"),
    (OfficeSettingsView, "office", "Office parameters", _l("Office parameters"), OFFICE, "fa-sliders"),
    (DictionaryView, "office", "Dictionaries", _l("Dictionaries"), OFFICE, "fa-book"),
    (FrozenReportsView, "county", "Frozen reports", _l("Frozen reports"), OFFICE, "fa-archive"),
    (FollowUpAlertView, "records", "Alert handling", _l("Alert handling"), FOLLOWUP, "fa-check-circle"),
    (AlertCountsView, "records", "Open and overdue alerts", _l("Open and overdue alerts by unit and town"), FOLLOWUP,
     "fa-bar-chart"),
    (ScopeAssignmentView, "admin", "Scope assignments", _l("Scope assignments"), SETTINGS, "fa-key"),
    (ChangeRecordView, "audit", "Operation log", _l("Operation log"), AUDIT, "fa-history"),
    (LoginEventView, "audit", "Login log", _l("Login log"), AUDIT, "fa-sign-in"),
    (ExportReceiptView, "audit", "Export log", _l("Export log"), AUDIT, "fa-file-text"),
    (PersonalDataViewLogView, "audit_strict", "Personal data views", _l("Personal data views"), AUDIT, "fa-id-card-o"),
    (RecycleBin, "records", "Recycle bin", _l("Recycle bin"), REFERENCE, "fa-recycle"),
    (ImportBatches, "office", "Import batches", _l("Import batches"), REFERENCE, "fa-upload"),
    (JobsView, "tool", "My jobs", _l("My jobs"), JOBS, "fa-tasks"),
]
APIS = [
    (DivisionApi, "reference"), (TownApi, "reference"), (UnitApi, "reference"), (VillageApi, "records"), (CadreApi, "records"),
    (TrainingSessionApi, "reference"), (AttendanceApi, "records"), (TrainingReportApi, "records"),
    (ReserveCandidateApi, "records"), (ReserveReportApi, "records"),
    (FollowUpRecordApi, "records"), (FollowUpReportApi, "records"),
]
TOOLS = [VillageAidLookup]
# views without a menu entry, with their area
PAGES = [(EvidenceView, "records")]


def override_fab_templates(app):
    """A few of FAB's own templates (its confirmation and alert dialogs) in
    the add-on's words: looked up after the host's own templates (a host
    can still override them) and before FAB's."""
    overrides = FileSystemLoader(os.path.join(HERE, "templates", "fab"))
    loaders = [overrides, app.jinja_env.loader]
    if app.jinja_loader is not None:
        loaders.insert(0, app.jinja_loader)
    app.jinja_env.loader = ChoiceLoader(loaders)


def current_locale():
    return str(get_locale() or "en")


def register_translations(app):
    """Add the add-on's catalogue to Flask-Babel's directories: after FAB's
    own (so that it fills in FAB strings FAB's catalogue lacks), before the
    host's (so that a host can reword any string). FAB has read
    BABEL_TRANSLATION_DIRECTORIES by now; Flask-Babel looks its list up on
    each first use of a language."""
    babel = app.extensions["babel"]
    if TRANSLATIONS not in babel.translation_directories:
        babel.translation_directories.insert(1 if babel.translation_directories else 0, TRANSLATIONS)
        babel.instance.domain_instance.cache.clear()  # anything loaded before


class VillageAidManager(BaseManager):
    def __init__(self, appbuilder):
        super().__init__(appbuilder)
        self.areas = {}

    def pre_process(self):
        app = current_app
        defaults.apply(app.config)  # what the host did not set
        register_translations(app)
        prepare_connections(self.appbuilder.session.get_bind())
        if not isinstance(self.appbuilder.sm, VillageAidSecurityManager):
            raise RuntimeError(
                "the village-aid add-on needs FAB_SECURITY_MANAGER_CLASS = "
                '"villageaid.security.manager.VillageAidSecurityManager" (sign-in security)'
            )
        app.after_request(record_request)
        listen_for_disclosures()
        history.listen_for_accounts(self.appbuilder.session)
        evidence.listen(self.appbuilder.session)
        bp = Blueprint(
            "villageaid",
            __name__,
            template_folder=os.path.join(HERE, "templates"),
            static_folder=os.path.join(HERE, "static"),
            static_url_path="/villageaid/static",
        )
        headers.install(bp, app)
        fabguards.install(bp)
        bp.before_app_request(preload.forget)  # office parameters, dictionaries: read afresh per request
        errors.install(bp)
        bp.before_app_request(queryargs.check_list_request)
        app.register_blueprint(bp)
        from .cli import cli

        app.cli.add_command(cli)
        app.add_template_filter(local_time, "va_local_time")
        app.add_template_global(settings.get, "va_setting")
        app.add_template_global(frozen.used_by, "va_report_settings")
        app.jinja_env.globals["va_locale"] = current_locale
        override_fab_templates(app)
        filters = app.jinja_env.filters
        filters["set_link_filters"] = nextpath.wrap_link_filter(filters["set_link_filters"])
        if app.config.get("FAB_BASE_TEMPLATE") in (None, "appbuilder/baselayout.html"):
            # Our base adds the plugin's stylesheet and scripts to FAB's layout;
            # a host with its own base template includes them itself.
            self.appbuilder.base_template = "villageaid/base.html"
            app.config["FAB_BASE_TEMPLATE"] = self.appbuilder.base_template

    def register_views(self):
        ab = self.appbuilder
        for view, area, name, label, category, icon in VIEWS:
            cat_label, cat_icon = CATEGORIES[category]
            ab.add_view(
                view,
                name,
                label=label,
                icon=icon,
                category=category,
                category_label=cat_label,
                category_icon=cat_icon,
            )
            self.areas[view.__name__] = (view, area)
            self.areas[name] = (None, area if area in ("office", "county", "audit", "audit_strict") else "tool")
        for category in CATEGORIES:
            self.areas[category] = (None, CATEGORY_AREAS.get(category, "tool"))
        for api, area in APIS:
            ab.add_api(api)
            self.areas[api.__name__] = (api, area)
        for page, area in PAGES:
            ab.add_view_no_menu(page)
            self.areas[page.__name__] = (page, area)
        for tool in TOOLS:
            ab.add_view_no_menu(tool)
            self.areas[tool.__name__] = (tool, "tool")

    def sync_roles(self):
        sync_roles(self.appbuilder, self.areas)

