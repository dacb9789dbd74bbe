"""Load test: gunicorn with 4 workers on PostgreSQL, 50 sessions for 60 s.

    .venv/bin/python benchmarks/load_test.py [--db va_scale_10k] [--sessions 50] [--seconds 60]
                                             [--workers 4] [--port 8107]

Bounded and on the loopback only: it starts gunicorn (the production entry
point, wsgi:app) on 127.0.0.1:PORT against an existing PostgreSQL database
built by benchmarks/scale_bench.py (its Office and Clerk accounts), then
runs SESSIONS simulated users in threads for SECONDS: each signs in through
the login form (half as the Office, half as the Clerk) and repeats a mix of
list pages (first, sorted, searched, deep), detail pages, edits (an edit
form read, then saved with its row version: each session edits cadres of its
own, so that no two sessions edit the same row), exports (a filtered CSV)
and reports (coverage, alerts, the home page). Prints requests/s, p50 and
p95 per kind and in all, and the error count (any answer other than the
expected one, or a failed connection). Stops gunicorn at the end.
The login throttles are switched off for the run (every session signs in
from 127.0.0.1 at once); nothing else differs from production settings.
"""
import argparse
import html
import http.cookiejar
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

PASSWORD = "Test-pass-123"  # the benchmark accounts' password (tests/helpers.py)
CLERK = "scaleclerk001"


class Session:
    def __init__(self, base, username):
        self.base = base
        self.username = username
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        try:
            with self.opener.open(req, timeout=120) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def login(self):
        status, page = self.request("/login/")
        token = csrf(page)
        status, _ = self.request("/login/", {"username": self.username, "password": PASSWORD, "csrf_token": token})
        if status != 302:
            raise RuntimeError("login of %s answered %d" % (self.username, status))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def csrf(page):
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(rb'value="([^"]+)"[^>]*name="csrf_token"', page)
    return match.group(1).decode() if match else ""


def form_fields(page):
    """The fields of the first form on an edit page, as a browser would send them back."""
    fields = {}
    for tag in re.finditer(rb"<input[^>]*>", page):
        text = tag.group(0).decode("utf-8", "replace")
        name = re.search(r'name="([^"]+)"', text)
        if not name or re.search(r'type="(submit|checkbox|button|file)"', text):
            continue
        value = re.search(r'value="([^"]*)"', text)
        fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for select in re.finditer(rb'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(rb'<option[^>]*selected[^>]*value="([^"]*)"', select.group(2)) or \
            re.search(rb'<option[^>]*value="([^"]*)"[^>]*selected', select.group(2))
        fields[select.group(1).decode()] = html.unescape(chosen.group(1).decode()) if chosen else ""
    for area in re.finditer(rb'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        fields[area.group(1).decode()] = html.unescape(area.group(2).decode("utf-8", "replace")).strip()
    return fields


MIX = [("list", 30), ("show", 25), ("edit", 10), ("export", 5), ("report", 30)]
LISTS = ["/cadreview/list/", "/cadreview/list/?_oc_CadreView=start_date&_od_CadreView=desc",
         "/cadreview/list/?_flt_0_name=%E7%8E%8B", "/cadreview/list/?page_CadreView=20",
         "/villageview/list/", "/reservecandidateview/list/"]
REPORTS = ["/villageaid/training/coverage/", "/villageaid/followup/alerts/", "/",
           "/untrainedcadreview/list/", "/belowtargetview/list/", "/followupyearview/list/"]


def user_loop(index, base, until, ids, own, results, lock):
    username = "office" if index % 2 == 0 else CLERK
    rng = random.Random(index)
    session = Session(base, username)
    try:
        session.login()
    except Exception as exc:  # counted as an error
        with lock:
            results.append(("login", 0.0, False, repr(exc)))
        return
    kinds = [k for k, w in MIX for _ in range(w)]
    while time.time() < until:
        kind = rng.choice(kinds)
        start = time.perf_counter()
        ok, note = True, ""
        try:
            if kind == "list":
                status, _ = session.request(rng.choice(LISTS))
                ok = status == 200
            elif kind == "show":
                status, _ = session.request("/cadreview/show/%d" % rng.choice(ids[username]))
                ok = status == 200
            elif kind == "edit":
                pk = rng.choice(own)
                status, page = session.request("/cadreview/edit/%d" % pk)
                fields = form_fields(page)
                fields["phone"] = "139%08d" % rng.randrange(10 ** 8)
                status, _ = session.request("/cadreview/edit/%d" % pk, fields)
                ok = status == 302  # saved: back to the list
                note = "" if ok else "edit answered %d" % status
            elif kind == "export":
                status, body = session.request("/cadreview/export/?_flt_0_name=%E5%88%98")
                ok = status == 200 and len(body) > 0
            else:
                status, _ = session.request(rng.choice(REPORTS))
                ok = status == 200
            if not ok and not note:
                note = "%s answered %d" % (kind, status)
        except Exception as exc:
            ok, note = False, repr(exc)
        with lock:
            results.append((kind, time.perf_counter() - start, ok, note))


def cadre_ids(url):
    """Cadre ids each user may open, and cadres of the Clerk's scope for the
    edits, shared out so that no two sessions edit the same row."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        office = [r[0] for r in conn.execute(text("SELECT id FROM va_cadre WHERE deleted_on IS NULL "
                                                  "ORDER BY id LIMIT 5000"))]
        clerk_towns = [r[0] for r in conn.execute(text(
            "SELECT a.town_id FROM va_scope_assignment a JOIN ab_user u ON u.id = a.user_id "
            "WHERE u.username = :u AND a.town_id IS NOT NULL"), {"u": CLERK})]
        clerk = [r[0] for r in conn.execute(text(
            "SELECT c.id FROM va_cadre c JOIN va_village v ON v.id = c.village_id "
            "WHERE c.deleted_on IS NULL AND v.town_id IN (%s) ORDER BY c.id LIMIT 5000"
            % ",".join(str(t) for t in clerk_towns or [0])))]
    engine.dispose()
    return {"office": office, CLERK: clerk}


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000 if values else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="va_scale_10k")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8107)
    args = parser.parse_args()
    base_url = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
    url = base_url.rsplit("/", 1)[0] + "/" + args.db
    ids = cadre_ids(url)
    if not ids["office"] or not ids[CLERK]:
        sys.exit("build the database first: benchmarks/scale_bench.py --db postgresql --build-only")
    env = dict(os.environ, DATABASE_URL=url, RATELIMIT_ENABLED="0", AUTH_RATE_LIMITED="0",
               INSTANCE_DIR=os.path.join(HERE, "instance"))
    gunicorn = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-w", str(args.workers),
         "-b", "127.0.0.1:%d" % args.port, "--timeout", "120", "--log-level", "warning", "wsgi:app"],
        cwd=HERE, env=env)
    base = "http://127.0.0.1:%d" % args.port
    try:
        for _ in range(120):  # wait for the workers
            try:
                urllib.request.urlopen(base + "/login/", timeout=5).read()
                break
            except Exception:
                time.sleep(1)
        # each Clerk session edits cadres of its own
        clerk_sessions = [i for i in range(args.sessions) if i % 2 == 1]
        office_sessions = [i for i in range(args.sessions) if i % 2 == 0]
        own = {}
        for group, pool in ((office_sessions, ids["office"]), (clerk_sessions, ids[CLERK])):
            for n, i in enumerate(group):
                own[i] = pool[n::len(group)] or pool[:1]
        results, lock = [], threading.Lock()
        until = time.time() + args.seconds
        started = time.time()
        threads = [threading.Thread(target=user_loop, args=(i, base, until, ids, own[i], results, lock))
                   for i in range(args.sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.time() - started
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=60)
    done = [r for r in results if r[0] != "login"]
    errors = [r for r in results if not r[2]]
    print("%d sessions, %d gunicorn workers, %.0f s on %s" % (args.sessions, args.workers, elapsed, args.db))
    print("| kind | requests | p50 ms | p95 ms |")
    print("| --- | --- | --- | --- |")
    for kind, _w in MIX:
        times = [r[1] for r in done if r[0] == kind]
        print("| %s | %d | %.0f | %.0f |" % (kind, len(times), statistics.median(times) * 1000 if times else 0,
                                            percentile(times, 0.95)))
    times = [r[1] for r in done]
    print("| all | %d | %.0f | %.0f |" % (len(times), statistics.median(times) * 1000 if times else 0,
                                         percentile(times, 0.95)))
    print("requests/s: %.1f; errors: %d" % (len(done) / elapsed, len(errors)))
    for kind, _t, _ok, note in errors[:10]:
        print("  error: %s %s" % (kind, note))


if __name__ == "__main__":
    main()
