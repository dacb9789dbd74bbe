"""Every setting of the application, read from the environment with defaults.

See the configuration table in README.md. Values given as JSON in the
environment (lists, objects) are parsed as JSON.
"""
import json
import os
import secrets
from datetime import date

from villageaid import defaults

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.environ.get("INSTANCE_DIR", os.path.join(BASE_DIR, "instance"))


def env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name, default):
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_int(name, default):
    value = env(name)
    return default if value is None else int(value)


def env_json(name, default):
    value = env(name)
    return default if value is None else json.loads(value)


def env_date(name, default):
    value = env(name)
    return default if value is None else date.fromisoformat(value)


def _secret_key():
    """SECRET_KEY from the environment; otherwise a key generated once and
    kept in instance/secret_key (quick start only). REQUIRE_SECRET_KEY=1
    (set it in production) refuses to start without the variable."""
    key = env("SECRET_KEY")
    if key:
        return key
    if env_bool("REQUIRE_SECRET_KEY", False):
        raise RuntimeError("SECRET_KEY must be set in the environment")
    os.makedirs(INSTANCE_DIR, exist_ok=True)
    path = os.path.join(INSTANCE_DIR, "secret_key")
    if not os.path.exists(path):
        # written whole under a name of this process's, then linked into
        # place: two processes starting at once (test workers) both end up
        # with the key of the one that linked first, never a half-written file
        own = "%s.%d" % (path, os.getpid())
        fd = os.open(own, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(own, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(own)
    with open(path) as fh:
        return fh.read().strip()


SECRET_KEY = _secret_key()

# --- database -------------------------------------------------------------
SQLALCHEMY_DATABASE_URI = env(
    "DATABASE_URL", "sqlite:///" + os.path.join(INSTANCE_DIR, "villageaid.db")
)
SQLALCHEMY_TRACK_MODIFICATIONS = False
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
SQLALCHEMY_ECHO = env_bool("SQLALCHEMY_ECHO", False)

# Tables are created and changed by migrations only (flask db upgrade);
# permissions and roles by `flask villageaid init`.
FAB_CREATE_DB = False
FAB_UPDATE_PERMS = env_bool("FAB_UPDATE_PERMS", False)

# --- application ----------------------------------------------------------
APP_NAME = env("APP_NAME", "驻村帮扶管理")
APP_THEME = ""
ADDON_MANAGERS = ["villageaid.manager.VillageAidManager"]
FAB_ADD_SECURITY_API = True
FAB_API_SWAGGER_UI = True
FAB_API_MAX_PAGE_SIZE = env_int("FAB_API_MAX_PAGE_SIZE", 100)

# --- security -------------------------------------------------------------
# The plugin's sign-in security (throttle, lockout, login log, idle timeout,
# session generations, second factor, password policy) and the user's
# permissions read once per request live in its security manager; FAB
# creates it before add-ons load, so the host names it here.
FAB_SECURITY_MANAGER_CLASS = "villageaid.security.manager.VillageAidSecurityManager"
FAB_PASSWORD_COMPLEXITY_ENABLED = True  # the validator is the plugin's policy
AUTH_TYPE = 1  # AUTH_DB: users and passwords kept in the database
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None
FAB_ALLOW_GET_UNSAFE_MUTATIONS = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
PREFERRED_URL_SCHEME = env("PREFERRED_URL_SCHEME", "https" if SESSION_COOKIE_SECURE else "http")
# Number of reverse proxies in front of the app (0: none). Set it behind
# nginx and the like, so that the login throttle and log see the client's
# address, not the proxy's; never set it without a proxy (the headers could
# then be forged).
PROXY_FIX_X_FOR = env_int("PROXY_FIX_X_FOR", 0)
AUTH_RATE_LIMITED = env_bool("AUTH_RATE_LIMITED", True)
RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
AUTH_RATE_LIMIT = env("AUTH_RATE_LIMIT", "10 per 20 second")
JWT_ACCESS_TOKEN_EXPIRES = env_int("JWT_ACCESS_TOKEN_EXPIRES", 3600)
# Failed sign-ins (web and API), counted in the database: this many from one
# address to one account within the window lock that pair for the lockout;
# the account-wide count holds every sign-in to the account for a short delay
# (at most 300 seconds).
VILLAGEAID_LOGIN_MAX_ATTEMPTS = env_int("VILLAGEAID_LOGIN_MAX_ATTEMPTS", 5)
VILLAGEAID_LOGIN_WINDOW_MINUTES = env_int("VILLAGEAID_LOGIN_WINDOW_MINUTES", 15)
VILLAGEAID_LOGIN_LOCKOUT_MINUTES = env_int("VILLAGEAID_LOGIN_LOCKOUT_MINUTES", 15)
VILLAGEAID_LOGIN_ACCOUNT_MAX_ATTEMPTS = env_int("VILLAGEAID_LOGIN_ACCOUNT_MAX_ATTEMPTS", 20)
VILLAGEAID_LOGIN_ACCOUNT_DELAY_SECONDS = env_int("VILLAGEAID_LOGIN_ACCOUNT_DELAY_SECONDS", 60)
# Passwords: length, character classes (of lowercase, uppercase, digits,
# others), and days before one must be changed (0: never).
VILLAGEAID_PASSWORD_MIN_LENGTH = env_int("VILLAGEAID_PASSWORD_MIN_LENGTH", 10)
VILLAGEAID_PASSWORD_MIN_CLASSES = env_int("VILLAGEAID_PASSWORD_MIN_CLASSES", 3)
VILLAGEAID_PASSWORD_MAX_AGE_DAYS = env_int("VILLAGEAID_PASSWORD_MAX_AGE_DAYS", 90)
# A web session unused this long ends (0: never).
VILLAGEAID_SESSION_IDLE_MINUTES = env_int("VILLAGEAID_SESSION_IDLE_MINUTES", 30)
# Roles that sign in with a TOTP second factor (JSON list).
VILLAGEAID_TOTP_ROLES = env_json("VILLAGEAID_TOTP_ROLES", ["Admin"])
VILLAGEAID_TOTP_ISSUER = env("VILLAGEAID_TOTP_ISSUER", "VillageAid")

# --- language -------------------------------------------------------------
BABEL_DEFAULT_LOCALE = env("BABEL_DEFAULT_LOCALE", "zh")
BABEL_DEFAULT_TIMEZONE = env("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
# No catalogue of the host's own: the add-on registers its catalogue itself
# (app/villageaid/translations), FAB's strings it lacks included.
LANGUAGES = {
    "zh": {"flag": "cn", "name": "中文"},
    "en": {"flag": "gb", "name": "English"},
}

# --- domain settings (the plugin reads these; documented in README) -------
# The add-on's own defaults (villageaid/defaults.py) apply when a variable
# is not set; the add-on would fill them in by itself, they are named here
# so that the environment can override each.
_default = defaults.settings()
VILLAGEAID_FOCUS_THRESHOLD = env_int("VILLAGEAID_FOCUS_THRESHOLD", _default["VILLAGEAID_FOCUS_THRESHOLD"])
VILLAGEAID_NEW_CADRE_SINCE = env_date("VILLAGEAID_NEW_CADRE_SINCE", _default["VILLAGEAID_NEW_CADRE_SINCE"])
VILLAGEAID_FOLLOWUP_EXIT_YEARS = env_json("VILLAGEAID_FOLLOWUP_EXIT_YEARS", _default["VILLAGEAID_FOLLOWUP_EXIT_YEARS"])
VILLAGEAID_ELECTION_DATE = env_date("VILLAGEAID_ELECTION_DATE", _default["VILLAGEAID_ELECTION_DATE"])
VILLAGEAID_ELIGIBILITY = env_json("VILLAGEAID_ELIGIBILITY", _default["VILLAGEAID_ELIGIBILITY"])
VILLAGEAID_RESERVE_TARGET = env_int("VILLAGEAID_RESERVE_TARGET", _default["VILLAGEAID_RESERVE_TARGET"])
VILLAGEAID_RESERVE_TARGET_BOTH = env_int("VILLAGEAID_RESERVE_TARGET_BOTH", _default["VILLAGEAID_RESERVE_TARGET_BOTH"])
VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS = env_int("VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS", _default["VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS"])
VILLAGEAID_REFERENCE_DATE = env_date("VILLAGEAID_REFERENCE_DATE", _default["VILLAGEAID_REFERENCE_DATE"])
VILLAGEAID_ALERT_FUNDS_DROP_PERCENT = env_json("VILLAGEAID_ALERT_FUNDS_DROP_PERCENT", _default["VILLAGEAID_ALERT_FUNDS_DROP_PERCENT"])
VILLAGEAID_ALERT_FUNDS_DROP_MIN = env_json("VILLAGEAID_ALERT_FUNDS_DROP_MIN", _default["VILLAGEAID_ALERT_FUNDS_DROP_MIN"])
VILLAGEAID_ALERT_VISITS_DROP_PERCENT = env_json("VILLAGEAID_ALERT_VISITS_DROP_PERCENT", _default["VILLAGEAID_ALERT_VISITS_DROP_PERCENT"])
VILLAGEAID_ALERT_VISITS_DROP_MIN = env_int("VILLAGEAID_ALERT_VISITS_DROP_MIN", _default["VILLAGEAID_ALERT_VISITS_DROP_MIN"])
VILLAGEAID_ALERT_PERIOD = os.environ.get("VILLAGEAID_ALERT_PERIOD", _default["VILLAGEAID_ALERT_PERIOD"])
VILLAGEAID_HOME_COUNTY = env_json("VILLAGEAID_HOME_COUNTY", _default["VILLAGEAID_HOME_COUNTY"])
VILLAGEAID_EXPORT_MAX_ROWS = env_int("VILLAGEAID_EXPORT_MAX_ROWS", _default["VILLAGEAID_EXPORT_MAX_ROWS"])
VILLAGEAID_LOOKUP_PAGE_SIZE = env_int("VILLAGEAID_LOOKUP_PAGE_SIZE", _default["VILLAGEAID_LOOKUP_PAGE_SIZE"])
VILLAGEAID_MAX_PAGE_SIZE = env_int("VILLAGEAID_MAX_PAGE_SIZE", _default["VILLAGEAID_MAX_PAGE_SIZE"])
VILLAGEAID_HISTORY_RETENTION_DAYS = env_int("VILLAGEAID_HISTORY_RETENTION_DAYS", _default["VILLAGEAID_HISTORY_RETENTION_DAYS"])
VILLAGEAID_EVIDENCE_DIR = os.environ.get("VILLAGEAID_EVIDENCE_DIR") or _default["VILLAGEAID_EVIDENCE_DIR"]
VILLAGEAID_EVIDENCE_MAX_BYTES = env_int("VILLAGEAID_EVIDENCE_MAX_BYTES", _default["VILLAGEAID_EVIDENCE_MAX_BYTES"])
VILLAGEAID_EVIDENCE_STORE = os.environ.get("VILLAGEAID_EVIDENCE_STORE") or _default["VILLAGEAID_EVIDENCE_STORE"]
VILLAGEAID_EVIDENCE_S3_BUCKET = os.environ.get("VILLAGEAID_EVIDENCE_S3_BUCKET") or _default["VILLAGEAID_EVIDENCE_S3_BUCKET"]
VILLAGEAID_EVIDENCE_S3_ENDPOINT_URL = (os.environ.get("VILLAGEAID_EVIDENCE_S3_ENDPOINT_URL")
                                       or _default["VILLAGEAID_EVIDENCE_S3_ENDPOINT_URL"])
VILLAGEAID_EVIDENCE_S3_REGION = os.environ.get("VILLAGEAID_EVIDENCE_S3_REGION") or _default["VILLAGEAID_EVIDENCE_S3_REGION"]
VILLAGEAID_EVIDENCE_S3_PREFIX = os.environ.get("VILLAGEAID_EVIDENCE_S3_PREFIX") or _default["VILLAGEAID_EVIDENCE_S3_PREFIX"]
# (None: boto3 reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY itself)
VILLAGEAID_EVIDENCE_S3_ACCESS_KEY_ID = os.environ.get("VILLAGEAID_EVIDENCE_S3_ACCESS_KEY_ID") or None
VILLAGEAID_EVIDENCE_S3_SECRET_ACCESS_KEY = os.environ.get("VILLAGEAID_EVIDENCE_S3_SECRET_ACCESS_KEY") or None
VILLAGEAID_IMPORT_MAX_BYTES = env_int("VILLAGEAID_IMPORT_MAX_BYTES", _default["VILLAGEAID_IMPORT_MAX_BYTES"])
VILLAGEAID_IMPORT_MAX_ROWS = env_int("VILLAGEAID_IMPORT_MAX_ROWS", _default["VILLAGEAID_IMPORT_MAX_ROWS"])
VILLAGEAID_JOBS_URL = env("VILLAGEAID_JOBS_URL", _default["VILLAGEAID_JOBS_URL"])
VILLAGEAID_JOBS_FOLDER = env("VILLAGEAID_JOBS_FOLDER", _default["VILLAGEAID_JOBS_FOLDER"])
VILLAGEAID_IMPORT_BACKGROUND_ROWS = env_int("VILLAGEAID_IMPORT_BACKGROUND_ROWS", _default["VILLAGEAID_IMPORT_BACKGROUND_ROWS"])
VILLAGEAID_EXPORT_BACKGROUND_ROWS = env_int("VILLAGEAID_EXPORT_BACKGROUND_ROWS", _default["VILLAGEAID_EXPORT_BACKGROUND_ROWS"])
VILLAGEAID_JOBS_RETENTION_HOURS = env_int("VILLAGEAID_JOBS_RETENTION_HOURS", _default["VILLAGEAID_JOBS_RETENTION_HOURS"])
VILLAGEAID_IMPORT_PREVIEW_HOURS = env_int("VILLAGEAID_IMPORT_PREVIEW_HOURS", _default["VILLAGEAID_IMPORT_PREVIEW_HOURS"])
