"""Where a person returns after a form: an explicit `next` parameter,
accepted only as a path of this application (never another site, whatever
the spelling: `//host`, `https://…`, `/\\host`, `\\\\host`, control
characters), else the list."""
from urllib.parse import urlencode, urlsplit

from flask import request


def safe_path(value):
    """`value` if it is a same-origin path ("/…", not "//…"), else None."""
    if not value or not isinstance(value, str) or len(value) > 2000:
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def next_path():
    """The request's `next` (query string or form) if it is safe, else None."""
    return safe_path(request.values.get("next"))


def here():
    """This page's path and query, as a `next` value."""
    return request.full_path.rstrip("?")


def with_next(path, target=None):
    """`path` with `next` set to `target` (default: this page)."""
    sep = "&" if "?" in path else "?"
    return path + sep + urlencode({"next": target or here()})


def is_form_link(path):
    """A link to an add or edit form (where saving returns)."""
    route = urlsplit(path).path.rstrip("/")
    return route.endswith("/add") or "/edit/" in route


def wrap_link_filter(original):
    """FAB's `set_link_filters` template filter (the list's add button and
    each row's show and edit buttons) also gives add and edit links the page
    they are on as `next`, so that saving returns there."""

    def set_link_filters(path, filters):
        path = original(path, filters)
        if is_form_link(path) and request.endpoint and not request.endpoint.endswith((".add", ".edit")):
            path = with_next(path)
        return path

    return set_link_filters


def referrer_path():
    """The page the request came from, as a path, when it is this application's."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc and parts.netloc != request.host:
        return None
    return safe_path(parts.path + ("?" + parts.query if parts.query else ""))
