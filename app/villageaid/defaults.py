"""Defaults of every setting the add-on reads.

The manager fills in, at start-up, each of these the host did not set
(`app.config.setdefault`), so a host that only names the add-on in
ADDON_MANAGERS works; a host overrides any of them in its own config (this
project's config.py reads them from the environment). README.md →
Configuration describes each.

Parameters the office owns (参数设置) are declared with `office(...)` right
after their default: kind (how the screen edits and checks it), label and
help. Such a parameter is kept in the database once the office changes it,
and the settings screen lists it with no code elsewhere; the others
(page sizes, export caps, security) stay configuration only.
"""
import copy
from datetime import date

from flask_babel import lazy_gettext as _l

from .choices import ALERT_PERIODS

# name -> {"kind": ..., "label": ..., "help": ..., options}: the parameters
# the office owns, in the order the settings screen lists them. Kinds
# (settingkinds.py): "int" (a whole number ≥ 0; `maximum`), "decimal" (a
# number ≥ 0; `places`), "date", "optional_date" (empty: today), "years" (a
# list of years), "eligibility" (rules per target post), "text", "choice"
# (`choices`: a choices.Choices), "bool". `reports=("alerts", ...)` names
# the reports (frozen.REPORTS) whose figures the parameter changes: their
# pages and frozen copies then name it among the parameters used.
OFFICE = {}


def office(name, kind, label, help="", **options):
    """Declare the parameter `name` (its default defined above) one the office owns."""
    OFFICE[name] = dict(kind=kind, label=label, help=help, **options)

# A non-poor village with at least this many registered poor people is a
# focus village (重点非贫困村).
VILLAGEAID_FOCUS_THRESHOLD = 100
office("VILLAGEAID_FOCUS_THRESHOLD", "int", _l("Focus village threshold"),
       _l("A non-poor village with at least this many registered poor people is a focus village (重点非贫困村)."))
# A cadre who started on or after this date is "new".
VILLAGEAID_NEW_CADRE_SINCE = date(2020, 1, 1)
office("VILLAGEAID_NEW_CADRE_SINCE", "date", _l("New cadres since"),
       _l("A cadre who started on or after this date is a new cadre (training coverage)."))
# Exit years of the villages in the follow-up set.
VILLAGEAID_FOLLOWUP_EXIT_YEARS = [2017]
office("VILLAGEAID_FOLLOWUP_EXIT_YEARS", "years", _l("Exit years of the follow-up villages"),
       _l("Villages that exited poverty in these years are followed up; several years separated by commas."))
# Reserve cadres: the day ages and party standing are counted to, the
# eligibility rules per target post, and each village's target.
VILLAGEAID_ELECTION_DATE = date(2021, 1, 1)
office("VILLAGEAID_ELECTION_DATE", "date", _l("Election date"),
       _l("Reserve candidates' ages and party standing are counted to this day."))
VILLAGEAID_ELIGIBILITY = {
    "secretary": {"max_age": 50, "min_education": "senior_high", "party_member": True, "min_party_years": 1},
    "both": {"max_age": 50, "min_education": "senior_high", "party_member": True, "min_party_years": 1},
    "director": {"max_age": 55, "min_education": "senior_high", "party_member": False, "min_party_years": 0},
    "member": {"max_age": 60, "min_education": "junior_or_below", "party_member": False, "min_party_years": 0},
}
office("VILLAGEAID_ELIGIBILITY", "eligibility", _l("Eligibility per target post"),
       _l("Highest age, lowest education, full party membership and party years each track asks for; a candidate who misses one is shown with a warning."))
VILLAGEAID_RESERVE_TARGET = 2
office("VILLAGEAID_RESERVE_TARGET", "int", _l("Reserve candidates per village"),
       _l("Candidates each village should have (identified, cultivating, assessed or elected ones count)."))
VILLAGEAID_RESERVE_TARGET_BOTH = 1
office("VILLAGEAID_RESERVE_TARGET_BOTH", "int", _l("“一肩挑” candidates per village"),
       _l("Candidates each village should have on the “一肩挑” track."))
# Follow-up: alert when the last visit is older than this many days; the
# reference date of reports and alerts (None: today).
VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS = 90
office("VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS", "int", _l("Days without a visit"),
       _l("A follow-up village whose last visit is older than this many days raises an alert."))
VILLAGEAID_REFERENCE_DATE = None
office("VILLAGEAID_REFERENCE_DATE", "optional_date", _l("Reference date"),
       _l("The date of follow-up reports and alerts; empty: today."))
# The reporting unit named at the head of a frozen report (empty: the
# application's name).
VILLAGEAID_REPORTING_UNIT = ""
office("VILLAGEAID_REPORTING_UNIT", "text", _l("Reporting unit"),
       _l("Named at the head of frozen reports (填报单位); empty: the application's name."))
# Follow-up: a money alert fires when the funds of this year to date fall
# below the same period last year by at least this percentage AND at least
# this amount (万元); a visit alert likewise (percentage AND visits). A zero
# in last year's period never raises a drop alert (no_record covers it).
VILLAGEAID_ALERT_FUNDS_DROP_PERCENT = 20
office("VILLAGEAID_ALERT_FUNDS_DROP_PERCENT", "int", _l("Funds drop alert: percentage"),
       _l("A “less money” alert needs this year's funds to date to fall below the same period last year by at least this percentage."),
       maximum=100, reports=("alerts",))
VILLAGEAID_ALERT_FUNDS_DROP_MIN = 1
office("VILLAGEAID_ALERT_FUNDS_DROP_MIN", "decimal", _l("Funds drop alert: amount (万元)"),
       _l("… and by at least this amount in 万元."), places=6, reports=("alerts",))
VILLAGEAID_ALERT_VISITS_DROP_PERCENT = 20
office("VILLAGEAID_ALERT_VISITS_DROP_PERCENT", "int", _l("Visits drop alert: percentage"),
       _l("A “fewer visits” alert needs this year's visits to date to fall below the same period last year by at least this percentage."),
       maximum=100, reports=("alerts",))
VILLAGEAID_ALERT_VISITS_DROP_MIN = 2
office("VILLAGEAID_ALERT_VISITS_DROP_MIN", "int", _l("Visits drop alert: visits"),
       _l("… and by at least this many visits."), reports=("alerts",))
# Follow-up: a stored alert stands for one period ("month", "quarter" or
# "year"); its condition still holding in a later period opens a new one.
VILLAGEAID_ALERT_PERIOD = "month"
office("VILLAGEAID_ALERT_PERIOD", "choice", _l("Alert period"),
       _l("A stored alert stands for one period; its condition still holding in a later period opens a new alert."),
       choices=ALERT_PERIODS, reports=("alerts",))
# The county of this installation: (code, name) of its province, prefecture
# and county (GB/T 2260). Made by the first start (and the upgrade that
# brought the divisions); a town or unit given without a county is put in it.
VILLAGEAID_HOME_COUNTY = [["530000", "云南省"], ["530400", "玉溪市"], ["530428", "元江哈尼族彝族傣族自治县"]]
# Largest export (CSV or .xlsx) and printed roster (0: no cap); a bigger one is refused with a message.
VILLAGEAID_EXPORT_MAX_ROWS = 0
# Rows per page in the search-as-you-type pickers.
VILLAGEAID_LOOKUP_PAGE_SIZE = 20
# Largest number of rows on one page of a web list (psize_<View>).
VILLAGEAID_MAX_PAGE_SIZE = 100
# The follow-up alerts page checks at most this many follow-up villages at a
# time: a larger scope (the office of a province) picks a town or a unit
# first; the scheduled job stores the alerts of every village each day.
VILLAGEAID_ALERTS_MAX_VILLAGES = 2000
# A web list counts its rows up to this many and then says "more than N"
# (0: always the exact count): counting a whole national table on every page
# would read every row. Exports and the API count exactly.
VILLAGEAID_LIST_COUNT_CAP = 10000
# Change history and logs (operation, login, export, personal data views) are
# kept at least this many days; `flask villageaid prune-logs` removes only
# older rows (183 days: about six months).
VILLAGEAID_HISTORY_RETENTION_DAYS = 183
# Evidence files (佐证材料): where they are kept — "folder" (the folder
# VILLAGEAID_EVIDENCE_DIR; None: the instance folder's `evidence`) or "s3"
# (an S3-compatible bucket: VILLAGEAID_EVIDENCE_S3_*) — and the largest
# file accepted.
VILLAGEAID_EVIDENCE_STORE = "folder"
VILLAGEAID_EVIDENCE_DIR = None
VILLAGEAID_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# The bucket of the "s3" store (private: downloads stream through the
# application), its endpoint (None: AWS itself; MinIO, Ceph and the like
# give theirs, e.g. "https://minio.example.org:9000"), its region, a prefix
# for the objects' names ("" or e.g. "evidence/"), and the access keys
# (None: boto3's own chain — AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in
# the environment, its files, an instance role).
VILLAGEAID_EVIDENCE_S3_BUCKET = None
VILLAGEAID_EVIDENCE_S3_ENDPOINT_URL = None
VILLAGEAID_EVIDENCE_S3_REGION = None
VILLAGEAID_EVIDENCE_S3_PREFIX = ""
VILLAGEAID_EVIDENCE_S3_ACCESS_KEY_ID = None
VILLAGEAID_EVIDENCE_S3_SECRET_ACCESS_KEY = None


# Imports (批量导入): the largest file (bytes) and the most data rows one
# upload may hold; a bigger one is refused with a message before it is read.
VILLAGEAID_IMPORT_MAX_BYTES = 20 * 1024 * 1024
VILLAGEAID_IMPORT_MAX_ROWS = 100000
# An import saves its rows through the write path this many at a time (one
# savepoint each); a chunk with a refused row is split until that row stands
# alone. Larger: faster on clean files; smaller: cheaper when many rows fail.
VILLAGEAID_IMPORT_CHUNK_ROWS = 500
# Where an uploaded file waits between its preview and its commit (named by
# its SHA-256); None: the instance folder's `imports`.
VILLAGEAID_IMPORT_FOLDER = None

# Background jobs (后台任务, jobs.py). The queue: None keeps it in
# `<instance>/jobs.db` (SqliteHuey); `sqlite:///path` another file;
# `redis://host:6379/0` a Redis server (RedisHuey; install the `redis`
# package then). `python run.py` consumes it in threads of its own; in
# production run `huey_consumer` next to the web server (README).
VILLAGEAID_JOBS_URL = None
# An import of more data rows than this previews and commits as a job; an
# .xlsx export of more rows than this is written by a job (0: never, all in
# the web request as before).
VILLAGEAID_IMPORT_BACKGROUND_ROWS = 2000
VILLAGEAID_EXPORT_BACKGROUND_ROWS = 20000
# Where jobs write their files (None: the instance folder's `jobs`), and how
# long a job's file (an export) is kept; a preview never committed is removed
# after VILLAGEAID_IMPORT_PREVIEW_HOURS (`flask villageaid cleanup`, and a
# periodic job).
VILLAGEAID_JOBS_FOLDER = None
VILLAGEAID_JOBS_RETENTION_HOURS = 72
# A job left 'running' without a heartbeat (noted every tenth of this, at
# most every minute, while it runs) — or 'queued' with its message gone
# from the queue — for this many minutes is marked failed: its worker
# stopped (`flask villageaid cleanup`, the hourly periodic job, and a
# consumer when it starts).
VILLAGEAID_JOB_STALE_MINUTES = 30
# A job still 'running' after this many hours is marked failed too, even
# though its worker still beats (a worker thread that hangs); its work is
# then refused if it ever reaches its commit (jobs.finish).
VILLAGEAID_JOB_MAX_HOURS = 12
VILLAGEAID_IMPORT_PREVIEW_HOURS = 24

def settings():
    """Every default, by name (fresh copies: a host may change them in place)."""
    return {
        name: copy.deepcopy(value)
        for name, value in globals().items()
        if name.startswith("VILLAGEAID_")
    }


def apply(config):
    """Fill in each setting `config` does not have yet; return the names filled."""
    filled = [name for name in settings() if name not in config]
    for name, value in settings().items():
        config.setdefault(name, value)
    return filled
