"""Benchmark: how the pages grow with the rows (10,000 against 1,000,000 cadres).

    .venv/bin/python benchmarks/scale_bench.py [--sizes 10000,1000000] [--db sqlite|postgresql|both]
                                               [--repeat 7] [--data DIR] [--build-only] [--pages NAMES]

For each size it builds a database once with the generator (the province
shape scaled to that many cadres, plus one Clerk scoped to consecutive towns
holding about 4,000 cadres) and keeps it for later runs: a SQLite file
DIR/scale_<size>.db (DIR defaults to instance/scale) or a PostgreSQL
database va_scale_<size> (BENCH_PG_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/). A kept database is brought to
the latest migrations (new indexes) and analysed before it is measured.

It then times, through the whole Flask/FAB stack as the Office and as the
Clerk, the p50 and p95 of: the cadre list's first page, sorted, filtered,
searched (name starts with) and a deep page, the count (API), training
coverage, the untrained list, villages below target, the yearly follow-up
summary, the alerts and the home page; the growth ratio (largest size ÷
smallest) of each; and the Clerk's export of its own rows beside the
Office exporting the same rows through a filter. Not a test: nothing asserts.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLERK = "scaleclerk001"
CLERK_CADRES = 4000


def label(size):
    return "%dk" % (size // 1000) if size < 1_000_000 else "%dm" % (size // 1_000_000)


def database_url(kind, size, data_dir):
    if kind == "sqlite":
        os.makedirs(data_dir, exist_ok=True)
        return "sqlite:///" + os.path.join(data_dir, "scale_%s.db" % label(size))
    base = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
    return base.rsplit("/", 1)[0] + "/va_scale_%s" % label(size)


def ensure_pg_database(url):
    import psycopg

    base, name = url.rsplit("/", 1)
    admin = (base + "/postgres").replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute("CREATE DATABASE %s" % name)


def make_app(kind, size, data_dir):
    from app import create_app

    url = database_url(kind, size, data_dir)
    if kind == "postgresql":
        ensure_pg_database(url)
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "AUTH_RATE_LIMITED": False,
                       "WTF_CSRF_ENABLED": True})


def build(app, kind, size):
    """Migrate; generate the rows once (a kept database is reused); the
    Office and the Clerk of about CLERK_CADRES cadres; analyse."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from app import MIGRATIONS_DIR, db
    from villageaid import bootstrap, generate as generator, tally
    from villageaid.models import Cadre
    from tests.helpers import PASSWORD

    with app.app_context():
        t = time.perf_counter()
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        bootstrap.init_permissions()
        bootstrap.ensure_user("office", "Office", password=PASSWORD)
        have = db.session.scalar(select(func.count()).select_from(Cadre))
        if not have:
            counts = generator.counts_for("province", size / generator.PRESETS["province"].cadres, cadres=size)
            summary = generator.generate(counts, echo=lambda line: None)
            print("[%s %s] generated %d rows in %.0f s" % (kind, label(size), summary["total"][0],
                                                          time.perf_counter() - t), flush=True)
        if tally.held_date(db.session) is None:  # a database kept from before the groups were kept
            started = time.perf_counter()
            tally.rebuild(db.session)
            db.session.commit()
            print("[%s %s] training groups built in %.1f s" % (kind, label(size), time.perf_counter() - started),
                  flush=True)
        bootstrap.ensure_user(CLERK, "Clerk", password=PASSWORD)
        clerk = generator.make_clerks(1, CLERK_CADRES, prefix="scaleclerk")[0]
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.session.remove()
        print("[%s %s] ready in %.0f s: %d cadres; the clerk sees %d cadres (%d towns)"
              % (kind, label(size), time.perf_counter() - t, have or size, clerk[3], len(clerk[2])), flush=True)
        return clerk[3]


LIST = "/cadreview/list/"
# (name, kind, url) — kind: "list" (target growth <= 1.5x) or "report" (<= 2x)
PAGES = [
    ("first page", "list", LIST),
    ("sorted", "list", LIST + "?_oc_CadreView=start_date&_od_CadreView=desc"),
    ("filtered", "list", LIST + "?{kind_filter}=resident"),
    ("searched", "list", LIST + "?{name_filter}=%E5%BC%A0"),  # name starts with 张
    ("deep page", "list", LIST + "?page_CadreView=100"),
    ("count (API)", "list", "/api/v1/cadre/?q=(page_size:1)"),
    ("coverage", "report", "/villageaid/training/coverage/"),
    ("untrained list", "report", "/untrainedcadreview/list/"),
    ("below target", "report", "/belowtargetview/list/"),
    ("yearly summary", "report", "/followupyearview/list/"),
    ("alerts", "report", "/villageaid/followup/alerts/"),
    ("home page", "report", "/"),
]
TARGET = {"list": 1.5, "report": 2.0}


def filter_args(app):
    """The list's filter arguments, looked up in the registered view."""
    from flask_appbuilder.models.sqla.filters import FilterEqual, FilterGreater

    from villageaid.views.crud import filter_arg
    from villageaid.views.interface import StartsWith

    with app.test_request_context():
        return {"kind_filter": filter_arg("CadreView", "kind", FilterEqual),
                "name_filter": filter_arg("CadreView", "name", StartsWith),
                "since_filter": filter_arg("CadreView", "start_date", FilterGreater)}


def timed(get, url, repeat):
    """p50, p95 in ms of `repeat` GETs (after one warm-up), and the status."""
    resp = get(url)
    status = resp.status_code
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        resp = get(url)
        resp.get_data()
        times.append((time.perf_counter() - t) * 1000)
        status = resp.status_code if resp.status_code != 200 else status
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, status


def export_rate(get, url):
    """Rows/s of a CSV export read to its end (the receipt-free count of lines)."""
    t = time.perf_counter()
    resp = get(url, buffered=False)
    lines = 0
    for chunk in resp.response:
        lines += chunk.count(b"\r\n")
    resp.close()
    seconds = time.perf_counter() - t
    return lines - 1, seconds


def office_filter_like_clerk(app, clerk_rows, since_filter):
    """A filter of the Office's list with about as many rows as the Clerk
    sees: cadres who started on or after a day (the list's filters cannot
    name the Clerk's towns for cadres in their villages)."""
    from sqlalchemy import select

    from app import db
    from villageaid.models import Cadre

    with app.app_context():
        day = db.session.scalar(select(Cadre.start_date).where(Cadre.deleted_on.is_(None))
                                .order_by(Cadre.start_date.desc()).offset(max(clerk_rows - 1, 0)).limit(1))
        db.session.remove()
    return "?%s=%s" % (since_filter, day.isoformat())


def measure(app, repeat, clerk_rows):
    from tests.helpers import Api, Browser

    args = filter_args(app)
    results = {}
    for who in ("office", CLERK):
        browser = Browser(app, who)
        api = Api(app, who)
        for name, kind, url in PAGES:
            get = api.get if url.startswith("/api/") else browser.client.get
            results[(who, name)] = timed(get, url.format(**args), repeat)
        print("  measured %s" % who, flush=True)
    clerk = Browser(app, CLERK)
    office = Browser(app, "office")
    rows, seconds = export_rate(clerk.client.get, "/cadreview/export/")
    results["clerk export"] = (rows, seconds)
    rows, seconds = export_rate(office.client.get, "/cadreview/export/" + office_filter_like_clerk(app, rows, args["since_filter"]))
    results["office export"] = (rows, seconds)
    return results


def report(kind, sizes, results):
    small, large = min(sizes), max(sizes)
    print()
    print("%s: p50 / p95 in ms; growth = p50 at %s / p50 at %s" % (kind, label(large), label(small)))
    head = "| page | who | " + " | ".join("%s p50 | %s p95" % (label(s), label(s)) for s in sizes) \
        + " | growth | target |"
    print(head)
    print("|" + " --- |" * (head.count("|") - 1))
    for name, page_kind, _url in PAGES:
        for who in ("office", CLERK):
            cells = []
            for s in sizes:
                p50, p95, status = results[s][(who, name)]
                cells.append("%.0f | %.0f" % (p50, p95) + ("" if status == 200 else " (HTTP %d)" % status))
            growth = results[large][(who, name)][0] / max(results[small][(who, name)][0], 0.001)
            verdict = ("%.2fx | <= %.1fx %s" % (growth, TARGET[page_kind], "met" if growth <= TARGET[page_kind]
                                                 else "NOT met")) if large != small else "- | one size only"
            print("| %s | %s | %s | %s |" % (name, "Office" if who == "office" else "Clerk",
                                            " | ".join(cells), verdict))
    for s in sizes:
        c_rows, c_sec = results[s]["clerk export"]
        o_rows, o_sec = results[s]["office export"]
        ratio = (c_rows / c_sec) / max(o_rows / o_sec, 0.001)
        print("export at %s: Clerk %d rows in %.2f s (%.0f rows/s); Office, filtered, %d rows in %.2f s "
              "(%.0f rows/s); ratio %.2f (target >= 0.8: %s)"
              % (label(s), c_rows, c_sec, c_rows / c_sec, o_rows, o_sec, o_rows / o_sec, ratio,
                 "met" if ratio >= 0.8 else "NOT met"))
    sys.stdout.flush()


def save(path, results):
    import json

    with open(path, "w") as fh:
        json.dump([[list(k) if isinstance(k, tuple) else k, v] for k, v in results.items()], fh)


def load(path):
    import json

    with open(path) as fh:
        return {tuple(k) if isinstance(k, list) else k: v for k, v in json.load(fh)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--data", default=os.path.join(HERE, "instance", "scale"))
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="use a size's measurement saved by an earlier run (DIR/measured_<db>_<size>.json)")
    parser.add_argument("--pages", help="only these pages, by name, comma-separated (e.g. \"first page,alerts\"); "
                                        "such a run's measurement is not saved")
    args = parser.parse_args()
    if args.pages:
        chosen = [name.strip() for name in args.pages.split(",")]
        unknown = set(chosen) - {name for name, _kind, _url in PAGES}
        if unknown:
            parser.error("unknown page(s): %s" % ", ".join(sorted(unknown)))
        PAGES[:] = [page for page in PAGES if page[0] in chosen]
    sizes = [int(s) for s in args.sizes.split(",")]
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        results = {}
        for size in sizes:
            saved = os.path.join(args.data, "measured_%s_%s.json" % (kind, label(size)))
            if args.reuse and os.path.exists(saved):
                results[size] = load(saved)
                continue
            app = make_app(kind, size, args.data)
            clerk_rows = build(app, kind, size)
            if not args.build_only:
                results[size] = measure(app, args.repeat, clerk_rows)
                if not args.pages:
                    save(saved, results[size])
            with app.app_context():
                from app import db
                db.session.remove()
                db.engine.dispose()
        if not args.build_only:
            report(kind, sizes, results)


if __name__ == "__main__":
    main()
