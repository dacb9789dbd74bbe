"""Coded values stored in the database, with their labels in the user's language.

The database stores the code (stable, language-neutral); screens, exports
and the API show the label.
"""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext


class Choices:
    """An ordered set of (code, label) pairs."""

    def __init__(self, *pairs):
        self.pairs = tuple(pairs)
        self._labels = dict(pairs)

    def __iter__(self):
        return iter(self.pairs)

    def __contains__(self, code):
        return code in self._labels

    @property
    def codes(self):
        return [code for code, _label in self.pairs]

    def offered(self):
        """The pairs a form offers for a new value."""
        return self.pairs

    def label(self, code):
        """The label of a code; an unknown code is shown as it is."""
        if code is None:
            return ""
        return str(self._labels.get(code, code))


# The code lists the office extends (字典管理), by kind; dictionaries.py
# merges each seed below with the office's entries in the database.
DICTIONARIES = {}
_SOURCE = []  # [function(dictionary) -> (pairs, {code: label}, active pairs)], set by dictionaries.py


class Dictionary(Choices):
    """A code list the office extends and relabels (字典管理). The pairs
    given here are its seed; the office's entries (table va_dictionary_entry)
    add codes, relabel them (Chinese and English) and deactivate them. Codes
    never change, so exports and imports keep working when a label does.
    Iterating, `in` and `label` know every code, active or not (reports
    and older records keep theirs); `offered()` gives the active ones, what
    a form offers."""

    def __init__(self, kind, title, *pairs):
        self.kind, self.title, self.seed = kind, title, tuple(pairs)
        DICTIONARIES[kind] = self

    def _current(self):
        if _SOURCE:
            return _SOURCE[0](self)
        return self.seed, dict(self.seed), self.seed

    @property
    def pairs(self):
        return tuple(self._current()[0])

    @property
    def _labels(self):
        return self._current()[1]

    def offered(self):
        return tuple(self._current()[2])


class Union(Choices):
    """Several dictionaries as one code list (a column that takes the codes of each)."""

    def __init__(self, *parts):
        self.parts = parts

    @property
    def pairs(self):
        return tuple(pair for part in self.parts for pair in part.pairs)

    def offered(self):
        return tuple(pair for part in self.parts for pair in part.offered())

    @property
    def _labels(self):
        labels = {}
        for part in reversed(self.parts):
            labels.update(part._labels)
        return labels


TOWN_KINDS = Choices(
    ("town", lazy_pgettext("kind of town", "Town")),
    ("township", _l("Township")),
    ("farm", _l("State farm")),
    ("subdistrict", _l("Subdistrict")),
)

# Administrative divisions above the town (GB/T 2260): the level follows
# from the shape of the six-digit code (53 0000, 5304 00, 530428).
DIVISION_LEVELS = Choices(
    ("province", _l("Province level")),
    ("prefecture", _l("Prefecture level")),
    ("county", _l("County level")),
)

UNIT_CATEGORIES = Dictionary(
    "unit_category", _l("Unit categories"),
    ("party", _l("Party organ")),
    ("government", _l("Government department")),
    ("institution", _l("Public institution")),
    ("enterprise", _l("State-owned enterprise")),
    ("other", _l("Other")),
)

POVERTY_STATUSES = Choices(
    ("poor", _l("Poor village")),
    ("non_poor", _l("Non-poor village")),
)

GENDERS = Choices(
    ("male", _l("Male")),
    ("female", _l("Female")),
)

CADRE_KINDS = Choices(
    ("resident", _l("Resident cadre")),
    ("village", _l("Village cadre")),
    ("township", _l("Township cadre")),
)

# Posts by kind: a resident cadre is in a work team, a village cadre in the
# village "two committees".
RESIDENT_POSTS = Dictionary(
    "resident_post", _l("Posts of resident cadres"),
    ("team_leader", _l("Team leader")),
    ("first_secretary", _l("First secretary")),
    ("team_member", _l("Team member")),
)
VILLAGE_POSTS = Dictionary(
    "village_post", _l("Posts of village cadres"),
    ("secretary", _l("Party branch secretary")),
    ("director", _l("Village committee director")),
    ("secretary_director", _l("Secretary and director")),
    ("committee_member", _l("Committee member")),
)
# A township cadre (乡镇干部) serves in a town's party committee or government.
TOWNSHIP_POSTS = Dictionary(
    "township_post", _l("Posts of township cadres"),
    ("town_party_secretary", _l("Town party committee secretary")),
    ("town_head", _l("Town head")),
    ("town_deputy_secretary", _l("Town deputy party secretary")),
    ("organisation_member", _l("Organisation committee member")),
    ("town_other", _l("Other township post")),
)
CADRE_POSTS = Union(RESIDENT_POSTS, VILLAGE_POSTS, TOWNSHIP_POSTS)
POSTS_BY_KIND = {"resident": RESIDENT_POSTS, "village": VILLAGE_POSTS, "township": TOWNSHIP_POSTS}

CADRE_STATUSES = Choices(
    ("active", _l("On duty")),
    ("left", _l("Left post")),
)

AUDIENCES = Choices(
    ("resident", _l("Resident cadres")),
    ("village", _l("Village cadres")),
    ("both", _l("Resident and village cadres")),
    ("township", _l("Township cadres")),
    ("all", _l("All cadres")),
)
# The kinds of cadre each audience admits.
AUDIENCE_KINDS = {
    "resident": ("resident",),
    "village": ("village",),
    "both": ("resident", "village"),
    "township": ("township",),
    "all": ("resident", "village", "township"),
}

ATTENDANCE_STATUSES = Choices(
    ("enrolled", _l("Enrolled")),
    ("attended", _l("Attended")),
    ("absent", _l("Absent")),
    ("excused", _l("Excused")),
)

# Education, lowest first: the order is the rank eligibility rules compare.
EDUCATION = Choices(
    ("junior_or_below", _l("Junior middle school or below")),
    ("senior_high", _l("Senior high / technical secondary")),
    ("junior_college", _l("Junior college")),
    ("bachelor", _l("Bachelor")),
    ("postgraduate", _l("Postgraduate")),
)
EDUCATION_RANK = {code: rank for rank, code in enumerate(EDUCATION.codes)}

POLITICAL_STATUSES = Choices(
    ("party_member", _l("CPC member")),
    ("probationary", _l("Probationary CPC member")),
    ("league_member", _l("Communist Youth League member")),
    ("masses", _l("Masses")),
    ("democratic_party", _l("Democratic party member")),
)
PARTY_STATUSES = ("party_member", "probationary")

BACKGROUNDS = Dictionary(
    "background", _l("Candidate backgrounds"),
    ("rich_expert", _l("Expert in getting rich")),
    ("returnee_entrepreneur", _l("Returned entrepreneur")),
    ("veteran", _l("Veteran")),
    ("graduate", _l("College graduate")),
    ("migrant_business", _l("Migrant worker or trader")),
    ("village_cadre", _l("Serving village cadre")),
    ("other", _l("Other")),
)

TARGET_POSTS = Choices(
    ("secretary", _l("Party branch secretary")),
    ("director", _l("Village committee director")),
    ("both", _l("Secretary and director (“一肩挑”)")),
    ("member", _l("Two-committee member")),
)

CANDIDATE_STATUSES = Choices(
    ("identified", _l("Identified")),
    ("cultivating", _l("Being cultivated")),
    ("assessed", _l("Assessed")),
    ("elected", _l("Elected")),
    ("not_elected", _l("Not elected")),
    ("withdrawn", _l("Withdrawn")),
)
# Candidates that count towards a village's target (when eligible): those
# still in the reserve. An elected one has left it for the post; not
# elected and withdrawn ones are out of it.
ACTIVE_CANDIDATE_STATUSES = ("identified", "cultivating", "assessed")
# The summary leaves these out unless asked for them.
CLOSED_CANDIDATE_STATUSES = ("not_elected", "withdrawn")

ETHNICITIES = Choices(*[(code, label) for code, label in (
    ("han", _l("Han")), ("zhuang", _l("Zhuang")), ("hui", _l("Hui")), ("manchu", _l("Manchu")),
    ("uyghur", _l("Uyghur")), ("miao", _l("Miao")), ("yi", _l("Yi")), ("tujia", _l("Tujia")),
    ("tibetan", _l("Tibetan")), ("mongol", _l("Mongol")), ("dong", _l("Dong")), ("buyei", _l("Buyei")),
    ("yao", _l("Yao")), ("bai", _l("Bai")), ("korean", _l("Korean")), ("hani", _l("Hani")),
    ("li", _l("Li")), ("kazakh", _l("Kazakh")), ("dai", _l("Dai")), ("she", _l("She")),
    ("lisu", _l("Lisu")), ("dongxiang", _l("Dongxiang")), ("gelao", _l("Gelao")), ("lahu", _l("Lahu")),
    ("wa", _l("Wa")), ("sui", _l("Sui")), ("naxi", _l("Naxi")), ("qiang", _l("Qiang")),
    ("tu", _l("Tu")), ("mulao", _l("Mulao")), ("xibe", _l("Xibe")), ("kyrgyz", _l("Kyrgyz")),
    ("jingpo", _l("Jingpo")), ("daur", _l("Daur")), ("salar", _l("Salar")), ("blang", _l("Blang")),
    ("maonan", _l("Maonan")), ("tajik", _l("Tajik")), ("pumi", _l("Pumi")), ("achang", _l("Achang")),
    ("nu", _l("Nu")), ("ewenki", _l("Ewenki")), ("gin", _l("Gin")), ("jino", _l("Jino")),
    ("deang", _l("De'ang")), ("bonan", _l("Bonan")), ("russian", _l("Russian")), ("yugur", _l("Yugur")),
    ("uzbek", _l("Uzbek")), ("monba", _l("Monba")), ("oroqen", _l("Oroqen")), ("derung", _l("Derung")),
    ("hezhen", _l("Hezhen")), ("gaoshan", _l("Gaoshan")), ("lhoba", _l("Lhoba")), ("tatar", _l("Tatar")),
    ("other", _l("Other")),
)])

FOLLOWUP_KINDS = Dictionary(
    "followup_kind", _l("Kinds of follow-up record"),
    ("visit", _l("Visit")),
    ("funds", _l("Funds")),
    ("project", _l("Project")),
    ("industry", _l("Industry")),
    ("policy", _l("Policy implementation")),
    ("other", _l("Other")),
)

RECTIFICATION = Choices(
    ("none", _l("Nothing to rectify")),
    ("in_progress", _l("Being rectified")),
    ("done", _l("Rectified")),
)

ALERT_KINDS = Choices(
    ("less_funds", _l("Less money (funds below the same period last year)")),
    ("fewer_visits", _l("Weaker help (fewer visits than the same period last year)")),
    ("no_recent_visit", _l("Fading ties (no recent visit)")),
    ("no_record", _l("No follow-up record at all")),
    ("no_cadre", _l("No one there (no resident cadre on duty)")),
    ("no_unit", _l("No one there (no stationed unit)")),
)
ALERT_STATUSES = Choices(
    ("open", _l("Open")),
    ("taken_up", _l("Taken up")),
    ("closed", _l("Closed")),
)
# How long one stored alert stands: the same condition in a later period opens a new one.
ALERT_PERIODS = Choices(
    ("month", _l("Calendar month")),
    ("quarter", _l("Calendar quarter")),
    ("year", _l("Calendar year")),
)

# Change history (操作日志)
CHANGE_ACTIONS = Choices(
    ("create", _l("Created")),
    ("update", _l("Changed")),
    ("delete", _l("Deleted")),
    ("restore", _l("Restored")),
    ("purge", _l("Purged")),
    ("prune", _l("Old logs removed")),
    ("interrupt", _l("Job interrupted")),
)
CHANGE_PATHS = Choices(
    ("web", _l("Web form")),
    ("api", _l("API")),
    ("bulk", _l("Bulk action")),
    ("import", _l("Import")),
    ("cli", _l("Command line")),
    ("system", _l("System (start-up)")),
)
CHANGE_MODELS = Choices(
    ("Town", _l("Town")),
    ("Unit", _l("Unit")),
    ("Village", _l("Village")),
    ("Cadre", _l("Cadre")),
    ("TrainingSession", _l("Training session")),
    ("TrainingAttendance", _l("Attendance")),
    ("ReserveCandidate", _l("Reserve candidate")),
    ("FollowUpRecord", _l("Follow-up record")),
    ("FollowUpAlert", _l("Follow-up alert")),
    ("ScopeAssignment", _l("Scope assignment")),
    ("Evidence", _l("Evidence")),
    ("User", _l("User account")),
    ("Role", _l("Role")),
    ("Permission", _l("Permission")),
    ("ViewMenu", _l("View or menu")),
    ("PermissionView", _l("Permission on a view")),
    ("ChangeRecord", _l("Logs")),
    ("OfficeSetting", _l("Office parameter")),
    ("DictionaryEntry", _l("Dictionary entry")),
    ("FrozenReport", _l("Frozen report")),
    ("Job", _l("Job")),
)

# How an export ended (export receipts).
EXPORT_STATUSES = Choices(
    ("complete", _l("Complete")),
    ("failed", _l("Failed on the server")),
    ("interrupted", _l("Interrupted by the client")),
)
JOB_KINDS = Choices(
    ("import_preview", _l("Import preview")),
    ("import_commit", _l("Import")),
    ("export", _l("Excel export")),
)
JOB_STATUSES = Choices(
    ("queued", _l("Queued")),
    ("running", _l("Running")),
    ("done", _l("Done")),
    ("failed", _l("Failed")),
)
