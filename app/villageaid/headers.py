"""Security headers on every response of the host application.

- Content-Security-Policy: everything from the application's own origin.
  Scripts: the application's files, and inline scripts carrying this
  request's nonce (FAB's templates put ``nonce="{{ csp_nonce() }}"`` on
  theirs when a ``csp_nonce`` function exists; `csp_nonce` is that
  function). Styles: the application's stylesheets, and only the few
  inline style attributes FAB's own templates and scripts write, each
  allowed by its hash ('unsafe-hashes'), never inline styles in general.
- X-Frame-Options: DENY (and frame-ancestors 'none'); X-Content-Type-Options:
  nosniff; Referrer-Policy: same-origin.

A header the host already set is left as it is.
"""
import base64
import hashlib
import secrets

from flask import g

# The inline style attributes of FAB 5.3's templates (login box, hidden
# forms, required-field star, show widgets, pagination) and scripts
# (ab_filters.js sets "width: 100%" on filter fields).
FAB_INLINE_STYLES = (
    "",
    "color: red",
    "display: flex;",
    "display: none",
    "display: none;",
    "display:inherit;",
    "margin-top:50px;",
    "padding-top:30px",
    "white-space: pre-line",
    "width: 100%",
)


def _hash(text):
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


STYLE_HASHES = " ".join(_hash(text) for text in FAB_INLINE_STYLES)


def csp_nonce():
    """This request's script nonce (made on first use)."""
    nonce = g.get("_va_csp_nonce")
    if nonce is None:
        nonce = g._va_csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy():
    scripts = "'self'"
    nonce = g.get("_va_csp_nonce")
    if nonce:
        scripts += " 'nonce-%s'" % nonce
    return "; ".join([
        "default-src 'self'",
        "script-src " + scripts,
        "style-src 'self' 'unsafe-hashes' " + STYLE_HASHES,
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def install(blueprint, app):
    """Wire the headers and the nonce into the host through the plugin's
    blueprint (so any host gets them)."""
    blueprint.after_app_request(add_security_headers)
    app.jinja_env.globals.setdefault("csp_nonce", csp_nonce)
