"""Guards in front of two of FAB's own routes that answer 500 to input a
person or a script can send, on FAB's screens as much as on the add-on's:

- ``/<view>/action/<name>/<pk>`` and ``/<view>/action_post`` with an action
  the view does not have: FAB looks the action up before any check
  (views.py ``get_action_permission_name``). Here: the login page for the
  signed out, 404 for the others.
- ``/<view>/download/<file>``: FAB serves any file of ``UPLOAD_FOLDER``
  there, unfiltered by scope, and answers 500 when the host sets none or
  the file is missing. Nothing here stores files for it: 404.
"""
from flask import abort, current_app, redirect, request
from flask_login import current_user


def _view_of(endpoint):
    name = endpoint.rpartition(".")[0]
    for view in current_app.appbuilder.baseviews:
        if type(view).__name__ == name:
            return view
    return None


def guard():
    endpoint = request.endpoint or ""
    if endpoint.endswith(".download"):
        abort(404)
    if not endpoint.endswith((".action", ".action_post")):
        return None
    view = _view_of(endpoint)
    if view is None or not hasattr(view, "actions"):
        return None
    if endpoint.endswith(".action"):
        name = (request.view_args or {}).get("name", "")
    else:
        name = request.form.get("action", "")
    if name in view.actions:
        return None
    if not current_user.is_authenticated:
        return redirect(current_app.appbuilder.get_url_for_login)
    abort(404)


def install(blueprint):
    blueprint.before_app_request(guard)
