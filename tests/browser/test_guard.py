"""The guard every browser test runs under catches what it must."""
import pytest

PROBE = "/__guard_probe"


def probe(page, live_server, html, headers=None):
    """Serve `html` at a URL of the app's own origin (the app never sees the request)."""
    page.route(live_server + PROBE, lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8", headers=headers or {}, body=html))
    page.goto(PROBE)
    page.wait_for_timeout(200)


def test_a_console_error_is_caught(page, guard, live_server):
    probe(page, live_server, "<p>x</p><script>console.error('boom')</script>")
    assert any("console error: boom" in p for p in guard.take())


def test_a_page_error_is_caught(page, guard, live_server):
    probe(page, live_server, "<p>x</p><script>undefinedFunction()</script>")
    assert any(p.startswith("page error:") and "undefinedFunction" in p for p in guard.take())


def test_a_csp_violation_is_caught(page, guard, live_server):
    probe(page, live_server, "<p>x</p><script>document.title = 'ran'</script>",
          headers={"Content-Security-Policy": "script-src 'self'"})
    found = guard.take()
    assert page.title() != "ran"
    assert any(p.startswith("Content-Security-Policy violation: script-src") for p in found), found


@pytest.mark.parametrize("tag", [
    '<img src="https://cdn.example.com/logo.png">',
    '<script src="http://example.org/lib.js"></script>',
    '<link rel="stylesheet" href="https://fonts.example.net/css">',
])
def test_a_foreign_request_is_blocked_and_caught(page, guard, live_server, tag):
    probe(page, live_server, "<p>x</p>" + tag)
    blocked = list(guard.blocked)
    found = guard.take()
    assert blocked and all("example." in url for url in blocked), blocked
    assert any("foreign host blocked" in p for p in found), found


def test_a_missing_script_is_caught(page, guard, live_server):
    probe(page, live_server, '<p>x</p><script src="/static/no-such-file.js"></script>')
    assert any("script failed with 404" in p for p in guard.take())


def test_a_clean_page_passes(signed_in, guard):
    page = signed_in("office")
    page.goto("/townview/list/")
    assert guard.problems == []


def test_an_unexpected_refusal_is_caught_and_an_expected_one_is_not(signed_in, guard):
    page = signed_in("clerk_town")
    assert page.goto("/cadreview/show/999999").status == 404
    assert any(p.startswith("page answered 404: GET") for p in guard.take())
    guard.allow_status(404)
    page.goto("/cadreview/show/999999")
    assert guard.take() == []
