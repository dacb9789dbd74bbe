"""Error pages in the user's language, inside the layout (the menu stays),
with a way back: 400, 403, 404, 405 and 500. The REST API keeps its JSON
answers; a page that cannot be drawn (the database gone, say) falls back to
a short translated text."""
import logging
from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from .nextpath import referrer_path

log = logging.getLogger(__name__)

PAGES = {
    400: (_l("Bad request"), _l("The request could not be understood; nothing was changed. The form may have expired: open it again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("This page or record does not exist, or it is outside your scope.")),
    405: (_l("Not allowed"), _l("This address cannot be used this way; nothing was changed.")),
    500: (_l("Server error"), _l("Something went wrong on the server and nothing was saved. Please try again later, or tell the administrator.")),
}


def back_path():
    """Where "back" leads: the page the person came from when it is one of
    this application's (not the failing page itself), else nothing."""
    path = referrer_path()
    if path is None or path.split("?")[0] == request.path:
        return None
    return path


def error_page(error):
    if not isinstance(error, HTTPException):
        error = InternalServerError(original_exception=error)
    code = error.code or 500
    if request.path.startswith("/api/") or code not in PAGES:
        return error.get_response()
    title, message = PAGES[code]
    try:
        ab = current_app.appbuilder
        html = render_template(
            "villageaid/error.html", appbuilder=ab, base_template=ab.base_template,
            title=title, code=code, message=message, back=back_path(),
        )
    except Exception:  # noqa: BLE001 - the page itself failed: say it plainly
        log.exception("the error page for %s could not be drawn", code)
        html = "<!doctype html><title>%s</title><h1>%s</h1><p>%s</p><p><a href=\"/\">%s</a></p>" % (
            escape(str(title)), escape(str(title)), escape(str(message)), escape(str(_l("Home"))))
    return html, code


def install(blueprint):
    for code in PAGES:
        blueprint.app_errorhandler(code)(error_page)
