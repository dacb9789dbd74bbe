"""The plugin's roles and their default permissions.

Roles say *what* a user may do; the scope policy (scope.py) says *where*.
`sync_roles` creates the roles and adds any default permission they lack; it
never removes a permission an administrator granted. Run it through
`flask villageaid init` after each upgrade.
"""
from .personal import PERSONAL_DATA_PERMISSION
from .scope import ALL_ROWS_PERMISSION, ALL_ROWS_VIEW

OFFICE, CLERK, INSPECTOR, AUDITOR = "Office", "Clerk", "Inspector", "Auditor"
ROLES = (OFFICE, CLERK, INSPECTOR, AUDITOR)
# 三权分立: Admin administers the system (users, roles), the office the
# records; the auditor reads the logs and nothing else.
AUDIT_AREAS = ("audit", "audit_strict")

READ = {"can_list", "can_show", "can_get", "can_info", "can_coverage", "can_summary", "can_alerts"}
WRITE = {"can_add", "can_edit", "can_delete", "can_post", "can_put", "can_enrol"}
EXPORT = {"can_export"}

# Every signed-in role: its own profile and password, and the API's description.
SELF_SERVICE = [
    ("can_get", "OpenApi"),
    ("can_show", "SwaggerView"),
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
]


def grants(role, view_name, permission, area):
    """Does `role` get `permission` on a plugin view of `area` by default?

    area is "reference" (towns, units: read by all, written by the office),
    "records" (villages, cadres and domain records: scoped writes for clerks),
    "admin" (scope assignments; clerks read their own), "office" (screens
    only the office sees), "audit" (logs the auditor and the office read:
    login and export logs), "audit_strict" (logs only the auditor reads:
    personal data views) or "tool" (lookups and other helpers every role
    uses). Admin has every permission anyway.
    """
    if role == AUDITOR:
        return area in AUDIT_AREAS and (permission in READ | EXPORT or permission.startswith("menu_access"))
    if area == "audit_strict":
        return False
    if area in ("office", "audit"):
        return role == OFFICE
    if permission.startswith("menu_access") or area == "tool":
        return True
    if role == OFFICE:
        return True
    if role == INSPECTOR:
        return permission in READ | EXPORT
    # Clerk
    if area == "records":
        return permission in READ | WRITE | EXPORT
    if area == "reference":
        return permission in READ | EXPORT
    if area == "admin":
        return permission in READ
    return False


def sync_roles(appbuilder, areas):
    """Create the plugin's roles and add their default permissions.

    `areas` maps each plugin view (and menu) name to its area.
    """
    sm = appbuilder.sm
    all_rows = sm.add_permission_view_menu(ALL_ROWS_PERMISSION, ALL_ROWS_VIEW)
    personal = sm.add_permission_view_menu(PERSONAL_DATA_PERMISSION, ALL_ROWS_VIEW)
    for role_name in ROLES:
        role = sm.find_role(role_name) or sm.add_role(role_name)
        wanted = set()
        for view_name, area in areas.items():
            view = sm.find_view_menu(view_name)
            if view is None:
                continue
            for pv in sm.find_permissions_view_menu(view):
                if grants(role_name, view_name, pv.permission.name, area):
                    wanted.add(pv)
        if role_name in (OFFICE, INSPECTOR, AUDITOR):
            # the auditor reads every user's log rows; it has no domain list to see
            wanted.add(all_rows)
        if role_name in (OFFICE, CLERK):
            wanted.add(personal)
        for permission, view_name in SELF_SERVICE:
            pv = sm.find_permission_view_menu(permission, view_name)
            if pv is not None:
                wanted.add(pv)
        for pv in wanted - set(role.permissions):
            sm.add_permission_role(role, pv)
