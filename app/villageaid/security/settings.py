"""The security settings, their defaults, and reading them from the app config."""
from flask import current_app

DEFAULTS = {
    # failed sign-ins from one address to one account within the window ...
    "VILLAGEAID_LOGIN_MAX_ATTEMPTS": 5,
    "VILLAGEAID_LOGIN_WINDOW_MINUTES": 15,
    # ... lock that (account, address) pair for this long
    "VILLAGEAID_LOGIN_LOCKOUT_MINUTES": 15,
    # failed sign-ins to one account from all addresses within the window ...
    "VILLAGEAID_LOGIN_ACCOUNT_MAX_ATTEMPTS": 20,
    # ... hold every sign-in to the account this long (at most ACCOUNT_DELAY_CAP)
    "VILLAGEAID_LOGIN_ACCOUNT_DELAY_SECONDS": 60,
    "VILLAGEAID_PASSWORD_MIN_LENGTH": 10,
    "VILLAGEAID_PASSWORD_MIN_CLASSES": 3,
    "VILLAGEAID_PASSWORD_MAX_AGE_DAYS": 90,
    "VILLAGEAID_SESSION_IDLE_MINUTES": 30,
    "VILLAGEAID_TOTP_ROLES": ["Admin"],
    "VILLAGEAID_TOTP_ISSUER": "VillageAid",
}
ACCOUNT_DELAY_CAP = 300
PENDING_SECONDS = 300  # a password checked, waiting for the second factor


def setting(name):
    return current_app.config.get(name, DEFAULTS[name])
