"""VillageAidSecurityManager: FAB's SQLAlchemy security manager with the
plugin's sign-in security. A host names it in its configuration:

    FAB_SECURITY_MANAGER_CLASS = "villageaid.security.manager.VillageAidSecurityManager"
"""
import logging

from flask import current_app
from flask_appbuilder import IndexView
from flask_appbuilder.security.sqla.manager import SecurityManager

from ..permissions import RequestPermissionsMixin
from . import passwords, sessions
from .views import VillageAidAuthDBView, VillageAidSecurityApi, bp

log = logging.getLogger(__name__)


class PasswordPolicyError(ValueError):
    pass


class VillageAidSecurityManager(RequestPermissionsMixin, SecurityManager):
    authdbview = VillageAidAuthDBView
    security_api = VillageAidSecurityApi

    def __init__(self, appbuilder):
        super().__init__(appbuilder)
        app = current_app
        # FAB registers its index view right after making the security
        # manager: the add-on's home page (工作台) replaces FAB's empty
        # welcome page unless the host named its own (FAB_INDEX_VIEW or
        # AppBuilder(indexview=...)).
        if appbuilder.indexview is IndexView:
            from ..views.home import HomeView

            appbuilder.indexview = HomeView
        # FAB's own password hook, pointed at the plugin's policy
        app.config.setdefault("FAB_PASSWORD_COMPLEXITY_ENABLED", True)
        app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", passwords.validate_password)
        app.register_blueprint(bp)
        app.before_request(sessions.check_request)
        sessions.secure_cookies_over_https(app)
        sessions.listen(self.user_model)

    # FAB registering the views' permissions (at start-up with
    # FAB_UPDATE_PERMS, `flask villageaid init`, `flask fab
    # create-permissions`) and its clean-up: the history calls what they
    # write the system's own. Nothing is written when nothing changed.
    def add_permissions_view(self, base_permissions, view_menu):
        from ..history import system_changes

        with system_changes():
            return super().add_permissions_view(base_permissions, view_menu)

    def add_permissions_menu(self, view_menu_name):
        from ..history import system_changes

        with system_changes():
            return super().add_permissions_menu(view_menu_name)

    def security_cleanup(self, baseviews, menus):
        from ..history import system_changes

        with system_changes():
            return super().security_cleanup(baseviews, menus)

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.additional_claims_loader(self._token_claims)
        return jwt_manager

    @staticmethod
    def _token_claims(identity):
        """Every token (access and refresh) carries the user's generation."""
        return {"va_gen": sessions.generation(int(identity))}

    def load_user_jwt(self, _jwt_header, jwt_data):
        """A token of an older generation (logout, password change,
        deactivation, lockout since) is refused."""
        try:
            user_id = int(jwt_data["sub"])
        except (KeyError, TypeError, ValueError):
            return None
        if jwt_data.get("va_gen") != sessions.generation(user_id):
            return None
        return super().load_user_jwt(_jwt_header, jwt_data)

    def auth_user_db_unthrottled(self, username, password):
        return super().auth_user_db(username, password)

    def auth_user_db(self, username, password):
        """Any other caller of FAB's password check gets the throttle and the log too."""
        from .login import check_password

        from flask import request

        channel = "api" if request.path.startswith("/api/") else "web"
        user, _message = check_password(username, password, channel)
        return user

    def check_password_policy(self, password):
        problem = passwords.policy_problem(password)
        if problem:
            raise PasswordPolicyError(problem)

    def add_user(self, username, first_name, last_name, email, role=None, password="", hashed_password="", **kw):
        if password and not hashed_password:
            problem = passwords.policy_problem(password)
            if problem:
                log.error("User %s not created: %s", username, problem)
                return False
        return super().add_user(
            username, first_name, last_name, email, role=role, password=password,
            hashed_password=hashed_password, **kw
        )

    def reset_password(self, userid, password):
        self.check_password_policy(password)
        super().reset_password(userid, password)
