"""Sign-in security of the plugin (GB/T 22239-2019 level 3): login
throttling and lockout, password policy and expiry, the login log, idle
timeout and session generations (web sessions and API tokens), and a TOTP
second factor.

FAB creates its security manager before it loads add-ons, so the host must
name ours in its configuration:

    FAB_SECURITY_MANAGER_CLASS = "villageaid.security.manager.VillageAidSecurityManager"

The add-on refuses to load without it (see manager.VillageAidManager).
"""
