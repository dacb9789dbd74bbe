"""Times as a person reads them: stored in UTC, shown in the configured time
zone (BABEL_DEFAULT_TIMEZONE), to the second; and the reference date the
reports count to."""
from contextlib import contextmanager
from contextvars import ContextVar

from flask_babel import format_datetime

# a report computed as of a chosen date (a frozen report "as of"): the
# reference date of everything it reads while it is built
_AS_OF = ContextVar("villageaid_as_of", default=None)


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
    """The date reports count to: the date a report is being computed as of
    (`as_of`), else VILLAGEAID_REFERENCE_DATE when set, else today in the
    configured time zone. Training (who is trained, which sessions have
    ended) and follow-up reports share it."""
    from . import settings

    return _AS_OF.get() or settings.get("VILLAGEAID_REFERENCE_DATE") or local_today()


@contextmanager
def as_of(day):
    """Within the block, `day` is the reference date (statements read it
    when they run: the bound parameters of models/reference.py and
    models/followup.py)."""
    token = _AS_OF.set(day)
    try:
        yield day
    finally:
        _AS_OF.reset(token)


def start_of_next_day_utc(day):
    """The UTC moment (naive, as the audit columns store it) at which `day`
    ends in the configured time zone: a row created before it was on record
    by that day."""
    from datetime import datetime, time, timedelta, timezone

    from flask_babel import get_timezone

    moment = datetime.combine(day + timedelta(days=1), time())
    zone = get_timezone()
    local = zone.localize(moment) if hasattr(zone, "localize") else moment.replace(tzinfo=zone)
    return local.astimezone(timezone.utc).replace(tzinfo=None)
