"""Times as a person reads them: stored in UTC, shown in the configured time
zone (BABEL_DEFAULT_TIMEZONE), to the second."""
from flask_babel import format_datetime


def local_time(value):
    if value is None:
        return ""
    return format_datetime(value, "yyyy-MM-dd HH:mm:ss")


def local_today():
    """Today's date in the configured time zone (BABEL_DEFAULT_TIMEZONE)."""
    from datetime import datetime, timezone

    from flask_babel import get_timezone

    try:
        zone = get_timezone()
    except Exception:  # outside an application context
        zone = timezone.utc
    return datetime.now(zone).date()


def reference_date():
    """The date reports count to: VILLAGEAID_REFERENCE_DATE when set, else
    today in the configured time zone. Training (who is trained, which
    sessions have ended) and follow-up reports share it."""
    from . import settings

    return settings.get("VILLAGEAID_REFERENCE_DATE") or local_today()
