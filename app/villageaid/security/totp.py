"""The TOTP second factor (RFC 6238, 30-second codes, one step of clock
drift either way) and its single-use recovery codes, stored hashed."""
import io
import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import RecoveryCode, UserSecurity, utcnow
from .sessions import bump, ensure_row
from .settings import setting

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_HASH = "pbkdf2:sha256:60000"


def required(user):
    """Does this account sign in with a second factor?"""
    if enrolled(user.id):
        return True
    wanted = set(setting("VILLAGEAID_TOTP_ROLES") or ())
    return any(role.name in wanted for role in user.roles)


def enrolled(user_id):
    s = current_app.appbuilder.session
    return bool(
        s.scalar(select(UserSecurity.totp_enabled).where(UserSecurity.user_id == user_id))
    )


def new_secret():
    return pyotp.random_base32()


def provisioning_uri(secret, username):
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=setting("VILLAGEAID_TOTP_ISSUER"))


def qr_svg(uri):
    """The QR code as inline SVG, made here (nothing fetched from elsewhere)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True, title="TOTP")
    return out.getvalue().decode("utf-8")


def _step(secret, code, after=None):
    """The time step a six-digit code matches (now ±1), else None."""
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in (now, now - 1, now + 1):
        if (after is None or step > after) and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def normalise(code):
    return "".join((code or "").split()).lower()


def check_enrolment(secret, code):
    """The time step of a right code for a secret being set up, else None."""
    code = normalise(code)
    if len(code) == 6 and code.isdigit():
        return _step(secret, code)
    return None


def verify(user_id, code):
    """Check a six-digit code (each may be used once) or a recovery code
    (single use). Commits the used step or code."""
    s = current_app.appbuilder.session
    code = normalise(code)
    row = s.get(UserSecurity, user_id)
    if row is None or not row.totp_enabled or not code:
        return False
    if len(code) == 6 and code.isdigit():
        step = _step(row.totp_secret, code, after=row.totp_last_step)
        if step is None:
            return False
        row.totp_last_step = step
        s.commit()
        return True
    code = code.replace("-", "")
    for recovery in s.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user_id, RecoveryCode.used_on.is_(None))
    ):
        if check_password_hash(recovery.code_hash, code):
            recovery.used_on = utcnow()
            s.commit()
            return True
    return False


def enable(user_id, secret, step):
    """Turn the second factor on (the code of `step` is spent); returns fresh
    recovery codes (shown once)."""
    s = current_app.appbuilder.session
    row = ensure_row(user_id)
    row.totp_secret, row.totp_enabled, row.totp_last_step = secret, True, step
    s.query(RecoveryCode).filter(RecoveryCode.user_id == user_id).delete(synchronize_session=False)
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _j in range(10))
        codes.append(raw[:5] + "-" + raw[5:])
        s.add(RecoveryCode(user_id=user_id, code_hash=generate_password_hash(raw, method=CODE_HASH)))
    s.commit()
    return codes


def disable(user_id):
    """Turn the second factor off and drop the recovery codes; ends the
    user's sessions and tokens."""
    s = current_app.appbuilder.session
    row = ensure_row(user_id)
    row.totp_secret, row.totp_enabled, row.totp_last_step = None, False, None
    s.query(RecoveryCode).filter(RecoveryCode.user_id == user_id).delete(synchronize_session=False)
    s.flush()
    bump(user_id)
    s.commit()
