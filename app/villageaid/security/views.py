"""Sign-in screens and the API login: the password form, the second factor
(enrolment, code, recovery codes), logout by POST only."""
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.const import API_SECURITY_ACCESS_TOKEN_KEY, API_SECURITY_REFRESH_TOKEN_KEY
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.schemas import login_post
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.security.decorators import no_cache
from flask_babel import gettext as _
from flask_jwt_extended import create_access_token, create_refresh_token
from marshmallow import ValidationError

from . import login, loginlog, sessions, totp

RECOVERY_CODES_KEY = "_va_recovery_codes"


class VillageAidAuthDBView(AuthDBView):
    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if form.validate_on_submit():
            next_url = get_safe_redirect(request.args.get("next", ""))
            user, message = login.check_password(form.username.data, form.password.data, "web")
            if user is None:
                flash(as_unicode(message), "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            return login.after_password_web(user, next_url)
        return self.render_template(
            self.login_template, title=self.title, form=form, appbuilder=self.appbuilder
        )

    @expose("/logout/", methods=["POST"])
    def logout(self):
        """POST only (with the CSRF token): ends every session and API token of the user."""
        user = self._get_authenticated_user()
        if user is not None:
            sessions.bump(user.id)
            loginlog.record(user.username, user, "logout", "web")
        sessions.end_web_session()
        if user is not None:
            self.appbuilder.sm.on_user_logout(user)
        return redirect(self.appbuilder.get_url_for_login)


class VillageAidSecurityApi(SecurityApi):
    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        """Login endpoint for the API: a JWT (and optionally a refresh token).
        Accounts with a second factor send its code (or a recovery code) as `totp`.
        ---
        post:
          description: >-
            Authenticate and get a JWT access and refresh token
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    username:
                      type: string
                    password:
                      type: string
                    provider:
                      type: string
                      enum:
                      - db
                    refresh:
                      type: boolean
                    totp:
                      description: the one-time code (or a recovery code) of an account with a second factor
                      type: string
          responses:
            200:
              description: Authentication Successful
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        if not request.is_json or not isinstance(request.json, dict):
            return self.response_400(message=_("The request must be a JSON object."))
        payload = dict(request.json)
        code = payload.pop("totp", None)
        try:
            data = login_post.load(payload)
        except ValidationError as error:
            return self.response_400(message=error.messages)
        if data["provider"] != "db":
            return self.response_400(message=_("Only the db provider is available."))
        user, message = login.check_password(data["username"], data["password"], "api")
        if user is None:
            return self.response(401, message=message)
        if totp.required(user):
            if not totp.enrolled(user.id):
                loginlog.record(user.username, user, "totp_not_enrolled", "api")
                return self.response(401, message=_("Set up the second factor by signing in on the web first."))
            if not code or not isinstance(code, str):
                loginlog.record(user.username, user, "totp_missing", "api")
                return self.response(401, message=_("This account needs its one-time code: send it as totp."))
            message, _locked = login.check_second_factor(user, code, "api")
            if message:
                return self.response(401, message=message)
        if sessions.password_expired(user.id):
            loginlog.record(user.username, user, "password_expired_refused", "api")
            return self.response(401, message=_("Your password has expired. Change it on the web first."))
        login.succeeded(user, "api")
        result = {API_SECURITY_ACCESS_TOKEN_KEY: create_access_token(identity=str(user.id), fresh=True)}
        if data.get("refresh"):
            result[API_SECURITY_REFRESH_TOKEN_KEY] = create_refresh_token(identity=str(user.id))
        return self.response(200, **result)


bp = Blueprint("va_security", __name__, url_prefix="/security")


def _render(template, **context):
    ab = current_app.appbuilder
    return render_template(template, appbuilder=ab, base_template=ab.base_template, **context)


def _back_to_login(message=None):
    flash(message or _("Please sign in again."), "warning")
    return redirect(current_app.appbuilder.get_url_for_login)


@bp.route("/second-factor/", methods=["GET", "POST"])
@no_cache
def second_factor():
    user, pending = login.pending_user()
    if user is None:
        return _back_to_login()
    if not totp.enrolled(user.id):
        return redirect(url_for(".enrol"))
    if request.method == "POST":
        message, locked = login.check_second_factor(user, request.form.get("code"), "web")
        if message is None:
            login.sign_in_web(user)
            return redirect(get_safe_redirect(pending.get("next") or ""))
        if locked:
            session.pop(login.PENDING_KEY, None)
            return _back_to_login(message)
        flash(message, "warning")
    return _render("villageaid/security/second_factor.html", title=_("Second factor"), user=user)


@bp.route("/second-factor/enrol/", methods=["GET", "POST"])
@no_cache
def enrol():
    user, pending = login.pending_user()
    if user is None:
        return _back_to_login()
    if totp.enrolled(user.id):
        return redirect(url_for(".second_factor"))
    secret = pending.get("secret")
    if not secret:
        secret = pending["secret"] = totp.new_secret()
        session[login.PENDING_KEY] = pending
    if request.method == "POST":
        step = totp.check_enrolment(secret, request.form.get("code"))
        if step is not None:
            codes = totp.enable(user.id, secret, step)
            login.sign_in_web(user)
            session[RECOVERY_CODES_KEY] = codes
            session["_va_after_codes"] = get_safe_redirect(pending.get("next") or "")
            return redirect(url_for(".recovery_codes"))
        flash(_("Wrong one-time code. Check the time on your phone and try again."), "warning")
    uri = totp.provisioning_uri(secret, user.username)
    return _render(
        "villageaid/security/enrol.html", title=_("Set up the second factor"),
        user=user, secret=secret, qr=totp.qr_svg(uri),
    )


@bp.route("/recovery-codes/")
@no_cache
def recovery_codes():
    codes = session.pop(RECOVERY_CODES_KEY, None)
    next_url = session.pop("_va_after_codes", None) or current_app.appbuilder.get_url_for_index
    if not codes or not g.user or not g.user.is_authenticated:
        return redirect(current_app.appbuilder.get_url_for_index)
    return _render(
        "villageaid/security/recovery_codes.html", title=_("Recovery codes"), codes=codes, next_url=next_url
    )
