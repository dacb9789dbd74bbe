"""Times as a person reads them: stored in UTC, shown in the configured time
zone (BABEL_DEFAULT_TIMEZONE), to the second."""
from flask_babel import format_datetime


def local_time(value):
    if value is None:
        return ""
    return format_datetime(value, "yyyy-MM-dd HH:mm:ss")
