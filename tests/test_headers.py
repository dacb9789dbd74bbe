"""Security headers on every response; no inline script without this
request's nonce, no inline style beyond the few FAB writes (allowed by hash)."""
import re

from villageaid.headers import FAB_INLINE_STYLES

from .helpers import ids
from villageaid.models import TrainingSession, Village

PAGES = [
    "/cadreview/list/", "/cadreview/add", "/villageview/list/?_flt_0_name=甲",
    "/villageaid/training/coverage/", "/villageaid/reserve/summary/", "/villageaid/followup/alerts/",
    "/trainingsessionview/add", "/followuprecordview/add", "/exportreceiptview/list/",
]


def directives(header):
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


def check_page(resp):
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    policy = directives(resp.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-inline'" not in policy["style-src"]
    html = resp.get_data(as_text=True)
    nonces = [s[len("'nonce-"):-1] for s in policy["script-src"] if s.startswith("'nonce-")]
    for tag in re.findall(r"<script\b[^>]*>", html):
        if "src=" not in tag:
            assert nonces and 'nonce="%s"' % nonces[0] in tag, tag
        assert "src=\"http" not in tag and "src=\"//" not in tag, tag
    assert not re.search(r"\son[a-z]+=\"", html), "inline event handler"
    for style in re.findall(r'\sstyle="([^"]*)"', html):
        assert style in FAB_INLINE_STYLES, style
    return html


def test_pages_carry_the_headers_and_nothing_inline(browser):
    anonymous = browser()
    check_page(anonymous.get("/login/"))
    b = browser("office")
    v, = ids(Village, "甲村")
    for url in PAGES + ["/villageview/show/%d" % v, "/villageview/edit/%d" % v]:
        resp = b.get(url)
        assert resp.status_code == 200, url
        check_page(resp)


def test_each_request_has_its_own_nonce(browser):
    b = browser("office")
    first = b.get("/cadreview/list/").headers["Content-Security-Policy"]
    second = b.get("/cadreview/list/").headers["Content-Security-Policy"]
    assert "'nonce-" in first and first != second


def test_other_responses_carry_the_headers_too(browser, api):
    b = browser("office")
    for resp in (b.get("/villageview/export/"), b.get("/villageaid/lookup/town"),
                 b.get("/villageaid/static/villageaid.js"), b.get("/no/such/page"),
                 api("office").get("/api/v1/town/")):
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        resp.get_data()


def test_session_page(browser):
    from .helpers import insert
    import datetime
    from decimal import Decimal

    pk = insert(TrainingSession(title="安全头", start_date=datetime.date(2020, 7, 1), end_date=datetime.date(2020, 7, 2),
                                hours=Decimal("8"), audience="both"))
    check_page(browser("office").get("/trainingsessionview/show/%d" % pk))
