"""Every setting of the application, read from the environment with defaults.

See the configuration table in README.md. Values given as JSON in the
environment (lists, objects) are parsed as JSON.
"""
import json
import os
import secrets
from datetime import date

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
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
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
AUTH_TYPE = 1  # AUTH_DB: users and passwords kept in the database
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None
FAB_ALLOW_GET_UNSAFE_MUTATIONS = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
AUTH_RATE_LIMITED = env_bool("AUTH_RATE_LIMITED", True)
RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
AUTH_RATE_LIMIT = env("AUTH_RATE_LIMIT", "10 per 20 second")
JWT_ACCESS_TOKEN_EXPIRES = env_int("JWT_ACCESS_TOKEN_EXPIRES", 3600)

# --- language -------------------------------------------------------------
BABEL_DEFAULT_LOCALE = env("BABEL_DEFAULT_LOCALE", "zh")
BABEL_DEFAULT_TIMEZONE = env("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
BABEL_TRANSLATION_DIRECTORIES = os.path.join(BASE_DIR, "translations")
LANGUAGES = {
    "zh": {"flag": "cn", "name": "中文"},
    "en": {"flag": "gb", "name": "English"},
}

# --- domain settings (the plugin reads these; documented in README) -------
# "Focus non-poor village": non-poor and registered poor population >= this.
VILLAGEAID_FOCUS_THRESHOLD = env_int("VILLAGEAID_FOCUS_THRESHOLD", 100)
# A cadre is "new" when started on or after this date.
VILLAGEAID_NEW_CADRE_SINCE = env_date("VILLAGEAID_NEW_CADRE_SINCE", date(2020, 1, 1))
# Exit years of the villages in the follow-up set.
VILLAGEAID_FOLLOWUP_EXIT_YEARS = env_json("VILLAGEAID_FOLLOWUP_EXIT_YEARS", [2017])
# Reserve cadres: the election date ages and party standing are counted to,
# the eligibility rules per target post, and each village's target.
VILLAGEAID_ELECTION_DATE = env_date("VILLAGEAID_ELECTION_DATE", date(2021, 1, 1))
VILLAGEAID_ELIGIBILITY = env_json(
    "VILLAGEAID_ELIGIBILITY",
    {
        "secretary": {"max_age": 50, "min_education": "senior_high", "party_member": True, "min_party_years": 1},
        "both": {"max_age": 50, "min_education": "senior_high", "party_member": True, "min_party_years": 1},
        "director": {"max_age": 55, "min_education": "senior_high", "party_member": False, "min_party_years": 0},
        "member": {"max_age": 60, "min_education": "junior_or_below", "party_member": False, "min_party_years": 0},
    },
)
VILLAGEAID_RESERVE_TARGET = env_int("VILLAGEAID_RESERVE_TARGET", 2)
VILLAGEAID_RESERVE_TARGET_BOTH = env_int("VILLAGEAID_RESERVE_TARGET_BOTH", 1)
# Follow-up: alert when no visit for more than this many days; the reference
# date of reports and alerts ("today" when unset, YYYY-MM-DD to pin it).
VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS = env_int("VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS", 90)
VILLAGEAID_REFERENCE_DATE = env_date("VILLAGEAID_REFERENCE_DATE", None)
# Largest CSV export (0: no cap); a bigger one is refused with a message.
VILLAGEAID_EXPORT_MAX_ROWS = env_int("VILLAGEAID_EXPORT_MAX_ROWS", 0)
# Rows per page in the lookup boxes of forms and filters.
VILLAGEAID_LOOKUP_PAGE_SIZE = env_int("VILLAGEAID_LOOKUP_PAGE_SIZE", 20)


# Largest number of rows on one page of a web list (psize_<View>); a bigger
# one is brought down to it, with a message.
VILLAGEAID_MAX_PAGE_SIZE = env_int("VILLAGEAID_MAX_PAGE_SIZE", 100)
