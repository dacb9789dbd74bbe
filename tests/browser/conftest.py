"""Browser tier: the real application in a real Chromium.

The app is the suite's own (tests/conftest.py: the migrations, the fixture
data, the test users), served on 127.0.0.1 at a random port from a thread.
One Chromium per session, driven by Playwright; a fresh browser context per
person a test signs in as.

Every page of every test is watched (`guard`, used by every context this
module hands out): a JavaScript console error, a page error, a
Content-Security-Policy violation, a server error (5xx), a failed script,
stylesheet, image or font, or any request to a host other than the app's own
(blocked before it leaves) fails the test.

Chromium is Debian's (`apt-get install chromium`), found on PATH or named in
VILLAGEAID_CHROMIUM. When it is missing the tier fails under CI (CI set) and
is skipped, loudly, elsewhere.
"""
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from ..helpers import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCREENS = Path(os.environ.get("VILLAGEAID_SCREENS", ROOT / "screens"))
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
VIEWPORT = {"width": 1366, "height": 900}
TIMEOUT_MS = 10_000
HERE = Path(__file__).resolve().parent

# Reported to the page's binding by a script that runs before any of the page's own.
WATCH_SCRIPT = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__vaReport("Content-Security-Policy violation: " + e.violatedDirective
                    + " blocked " + (e.blockedURI || "inline") + " (" + e.sourceFile + ":" + e.lineNumber + ")");
}, true);
"""
CONSOLE_CSP = re.compile(r"Content.Security.Policy", re.I)
# Chromium's console line for any 4xx/5xx; the response itself is judged below.
CONSOLE_HTTP_STATUS = re.compile(r"^Failed to load resource: the server responded with a status of \d+")
FAILING_RESOURCES = {"script", "stylesheet", "image", "font", "fetch", "xhr"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def chromium_path():
    named = os.environ.get("VILLAGEAID_CHROMIUM")
    if named:
        return named if os.access(named, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


NOT_RUN = []


def no_browser(reason):
    message = (
        "BROWSER TIER NOT RUN: %s. Install Debian's Chromium (apt-get install -y chromium) "
        "or set VILLAGEAID_CHROMIUM to a Chromium binary." % reason
    )
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    NOT_RUN[:] = [message]
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter):
    """A skipped browser tier is said loudly at the end of the run, not hidden among skips."""
    if NOT_RUN:
        terminalreporter.write_sep("!", "BROWSER TIER SKIPPED", red=True, bold=True)
        terminalreporter.write_line(NOT_RUN[0], red=True, bold=True)


class QuietHandler(WSGIRequestHandler):
    """No access log: the guard reports what matters (5xx, failed resources)."""

    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture(scope="session")
def live_server(app):
    """The suite's app on 127.0.0.1 at a random free port, served from a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_port
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture(scope="session")
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements-dev.txt installs it
        no_browser("Playwright for Python is not installed")
    path = chromium_path()
    if not path:
        named = os.environ.get("VILLAGEAID_CHROMIUM")
        no_browser("VILLAGEAID_CHROMIUM=%s is not an executable file" % named if named
                   else "no Chromium on PATH (looked for %s)" % ", ".join(CHROMIUM_NAMES))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=path,
            args=["--disable-background-networking", "--disable-component-update", "--no-first-run",
                  "--disable-domain-reliability", "--disable-sync", "--no-pings"],
        )
        try:
            yield browser
        finally:
            browser.close()


class Guard:
    """Collects what must never happen on a page; the test fails if anything was collected."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.origin = urlsplit(base_url).netloc
        self.problems = []
        self.blocked = []
        self.allowed_statuses = set()

    def allow_status(self, status):
        """A page answering `status` (a refusal under test) is what the test expects."""
        self.allowed_statuses.add(status)

    def watch(self, context):
        context.route("**/*", self._route)
        context.expose_binding("__vaReport", lambda source, text: self.problems.append(text))
        context.add_init_script(WATCH_SCRIPT)
        context.on("page", self.watch_page)
        context.on("response", self._response)
        context.on("requestfailed", self._failed)

    def watch_page(self, page):
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append("page error: %s" % error))

    def _route(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or (parts.scheme in ("http", "https") and parts.netloc == self.origin):
            route.continue_()
        else:
            self.blocked.append(url)
            self.problems.append("request to a foreign host blocked: %s" % url)
            route.abort("blockedbyclient")

    def _console(self, msg):
        if CONSOLE_HTTP_STATUS.match(msg.text):
            return
        if msg.type == "error" or CONSOLE_CSP.search(msg.text):
            where = msg.location.get("url", "") if msg.location else ""
            self.problems.append("console %s: %s (%s)" % (msg.type, msg.text, where))

    def _response(self, response):
        request = response.request
        if response.status >= 500:
            self.problems.append("server error %d: %s %s" % (response.status, request.method, response.url))
        elif response.status >= 400 and request.resource_type in FAILING_RESOURCES:
            self.problems.append("%s failed with %d: %s" % (request.resource_type, response.status, response.url))
        elif response.status >= 400 and response.status not in self.allowed_statuses:
            self.problems.append("page answered %d: %s %s" % (response.status, request.method, response.url))

    def _failed(self, request):
        if request.url in self.blocked:
            return
        failure = request.failure or ""
        if "ERR_ABORTED" in failure:
            return  # cancelled by the page: a navigation replaced, a search request superseded
        self.problems.append("request failed (%s): %s %s" % (failure, request.method, request.url))

    def take(self):
        """The problems so far, forgotten (for tests of the guard itself)."""
        found, self.problems = self.problems, []
        self.blocked = []
        return found


@pytest.fixture
def guard(live_server, request):
    g = Guard(live_server)
    yield g
    if g.problems and not getattr(request.node, "va_call_failed", False):
        pytest.fail("the browser saw:\n  " + "\n  ".join(g.problems), pytrace=False)
    elif g.problems:
        print("the browser also saw:\n  " + "\n  ".join(g.problems))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.va_call_failed = True
    return report


@pytest.fixture
def new_context(chromium, live_server, guard, request):
    """new_context() -> a guarded browser context on the live server; all closed after
    the test (after a screenshot of each page into screens/failures/ if the test failed)."""
    made = []

    def make(**kw):
        kw.setdefault("base_url", live_server)
        kw.setdefault("viewport", VIEWPORT)
        kw.setdefault("accept_downloads", True)
        kw.setdefault("locale", "zh-CN")
        kw.setdefault("timezone_id", "Asia/Shanghai")
        context = chromium.new_context(**kw)
        context.set_default_timeout(TIMEOUT_MS)
        guard.watch(context)
        made.append(context)
        return context

    yield make
    failed = getattr(request.node, "va_call_failed", False)
    for n, context in enumerate(made):
        if failed:
            for m, page in enumerate(context.pages):
                shot = SCREENS / "failures" / ("%s-%d-%d.png" % (re.sub(r"[^\w.-]+", "_", request.node.name), n, m))
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shot), full_page=True)
                print("screenshot of the failed page %s: %s" % (page.url, shot))
        context.close()


@pytest.fixture
def page(new_context):
    """A signed-out page in a fresh context."""
    return new_context().new_page()


def set_language(page, lang):
    page.goto("/lang/%s" % lang)


def login(page, username, password=PASSWORD, lang="zh"):
    """Sign in through the login form, as a person would."""
    set_language(page, lang)
    page.goto("/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("form [type=submit]").click()
    page.wait_for_load_state()
    assert "/login/" not in page.url, "login as %s failed: %s" % (username, page.url)
    return page


@pytest.fixture
def signed_in(new_context):
    """signed_in(username, lang="zh") -> a page of a fresh context, signed in."""

    def make(username, lang="zh"):
        return login(new_context().new_page(), username, lang=lang)

    return make


@pytest.fixture(scope="session")
def screens():
    SCREENS.mkdir(parents=True, exist_ok=True)
    return SCREENS
