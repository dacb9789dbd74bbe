"""Password policy: length and character classes (settings), applied to every
new or changed password through FAB's hook

    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_PASSWORD_COMPLEXITY_VALIDATOR = villageaid.security.passwords.validate_password

(user add and reset-password forms, the user API) and by the security
manager's add_user / reset_password (CLI, bootstrap)."""
import secrets
import string

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext as _

from .settings import setting

CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
SYMBOLS = "!#$%&*+-=?@^_~"


def character_classes(password):
    """How many of lowercase, uppercase, digits and other characters it has."""
    found = sum(1 for chars in CLASSES if any(c in chars for c in password))
    return found + (1 if any(not any(c in chars for chars in CLASSES) for c in password) else 0)


def policy_problem(password):
    """None when the password meets the policy, else what is wrong (translated)."""
    length = setting("VILLAGEAID_PASSWORD_MIN_LENGTH")
    classes = setting("VILLAGEAID_PASSWORD_MIN_CLASSES")
    password = password or ""
    if len(password) < length or character_classes(password) < classes:
        return _(
            "The password must have at least %(length)d characters and use at least "
            "%(classes)d of: lowercase letters, uppercase letters, digits, other characters.",
            length=length,
            classes=classes,
        )
    return None


def validate_password(password):
    """FAB's password complexity hook: raise with the reason."""
    problem = policy_problem(password)
    if problem:
        raise PasswordComplexityValidationError(problem)


def generate_password(length=16):
    """A random password with every character class (meets any policy up to
    four classes and `length` characters)."""
    length = max(length, setting("VILLAGEAID_PASSWORD_MIN_LENGTH"))
    pools = CLASSES + (SYMBOLS,)
    alphabet = "".join(pools)
    chars = [secrets.choice(pool) for pool in pools]
    chars += [secrets.choice(alphabet) for _i in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)
