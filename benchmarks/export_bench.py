"""Benchmark: CSV export of a people list vs a raw database dump of the same rows.

    .venv/bin/python benchmarks/export_bench.py [--rows 1000000] [--db sqlite|postgresql|both] [--xlsx] [--url URL]

Builds a database with ROWS cadres (migrations, then `flask villageaid
generate`'s province shape scaled to ROWS cadres: villages, training,
candidates and follow-up records with them), then, in the same run:
- our export: GET /cadreview/export/ as the office user, through the whole
  Flask/FAB stack, consuming the streamed response chunk by chunk;
- the raw dump of the same rows and columns: sqlite3's CSV mode (the sqlite3
  command-line shell) or PostgreSQL's COPY ... TO STDOUT WITH CSV;
and prints rows/s of each, their ratio, and the peak growth of this
process's resident memory during our export. With --xlsx, the same list as
an Excel workbook too (GET /cadreview/export/?format=xlsx: XlsxWriter in
constant-memory mode), its rows/s and memory beside the CSV's, and its
ratio to the CSV export and to the raw dump measured in the same run.
Not a test: nothing asserts.
PostgreSQL: BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/),
a database BENCH_PG_DB (default villageaid_bench) is created and dropped there.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

RAW_SELECT = """
SELECT c.name, c.gender, c.kind, c.post, u.name, v.name, c.start_date, c.status,
       c.start_date >= '2020-01-01', c.id_number, c.phone
FROM va_cadre c
LEFT OUTER JOIN va_unit u ON u.id = c.unit_id
LEFT OUTER JOIN va_village v ON v.id = c.village_id
ORDER BY c.name, c.id
"""


def rss_kib():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class PeakRss(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.start_kib = rss_kib()
        self.peak_kib = self.start_kib
        self.running = True

    def run(self):
        while self.running:
            self.peak_kib = max(self.peak_kib, rss_kib())
            time.sleep(0.02)

    def stop(self):
        self.running = False
        self.join()
        return (self.peak_kib - self.start_kib) / 1024.0


def generate(rows):
    """The province shape of `flask villageaid generate`, scaled to `rows`
    cadres (with their towns, units, villages, training, candidates and
    follow-up records)."""
    from villageaid import generate as generator

    counts = generator.counts_for("province", rows / generator.PRESETS["province"].cadres, cadres=rows)
    summary = generator.generate(counts, echo=lambda line: None)
    return summary["total"][0]


def raw_dump_sqlite(path):
    start = time.perf_counter()
    out = subprocess.run(["sqlite3", "-csv", path, RAW_SELECT], check=True, stdout=subprocess.PIPE).stdout
    return time.perf_counter() - start, out.count(b"\n")


def raw_dump_postgresql(url):
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    start = time.perf_counter()
    lines = 0
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy("COPY (%s) TO STDOUT WITH CSV" % RAW_SELECT) as copy:
            for data in copy:
                lines += bytes(data).count(b"\n")
    return time.perf_counter() - start, lines


def our_export(app, query=""):
    from tests.helpers import Browser

    b = Browser(app, "office")
    start_rss = PeakRss()
    start_rss.start()
    start = time.perf_counter()
    resp = b.client.get("/cadreview/export/" + query, buffered=False)
    lines = 0
    size = 0
    for chunk in resp.response:
        lines += chunk.count(b"\r\n")
        size += len(chunk)
    resp.close()
    seconds = time.perf_counter() - start
    if query:  # a workbook: the rows its receipt counted
        from app import db
        from villageaid.models import ExportReceipt

        with app.app_context():
            lines = db.session.query(ExportReceipt.row_count).order_by(ExportReceipt.id.desc()).first()[0] + 1
            db.session.remove()
    return seconds, lines - 1, size, start_rss.stop()


def run(kind, rows, xlsx=False, url=None):
    from flask_migrate import upgrade

    from app import MIGRATIONS_DIR, create_app, db
    from villageaid import bootstrap
    from tests.helpers import PASSWORD

    kept = url is not None  # a database built before (the scale benchmark's): measured as it is, kept
    if kept:
        path = url[len("sqlite:///"):] if kind == "sqlite" else None
    elif kind == "sqlite":
        path = os.path.join(tempfile.mkdtemp(), "bench.db")
        url = "sqlite:///" + path
    else:
        import psycopg

        base = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
        name = os.environ.get("BENCH_PG_DB", "villageaid_bench")
        admin = base.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS %s" % name)
            conn.execute("CREATE DATABASE %s" % name)
        url = base.rsplit("/", 1)[0] + "/" + name
    # a large .xlsx is written in the request, not as a background job: the
    # same writer a job runs, timed without the queue's polling
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "AUTH_RATE_LIMITED": False,
                      "VILLAGEAID_EXPORT_BACKGROUND_ROWS": 0})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        bootstrap.init_permissions()
        bootstrap.ensure_user("office", "Office", password=PASSWORD)
        t = time.perf_counter()
        if kept:
            from villageaid.models import Cadre

            print("[%s] kept database: %d cadres" % (kind, db.session.query(Cadre).count()), flush=True)
        else:
            written = generate(rows)
            if kind == "postgresql":
                db.session.execute(db.text("ANALYZE"))
                db.session.commit()
            print("[%s] generated %d cadres (%d rows in all tables) in %.1f s"
                  % (kind, rows, written, time.perf_counter() - t), flush=True)
        db.session.remove()
    seconds, exported, size, rss_mb = our_export(app)
    raw_seconds, raw_lines = raw_dump_sqlite(path) if kind == "sqlite" else raw_dump_postgresql(url)
    ours, raw = exported / seconds, raw_lines / raw_seconds
    print("[%s] our export : %d rows, %.1f MB in %.2f s = %.0f rows/s; peak RSS growth %.1f MB"
          % (kind, exported, size / 1e6, seconds, ours, rss_mb))
    print("[%s] raw dump   : %d rows in %.2f s = %.0f rows/s" % (kind, raw_lines, raw_seconds, raw))
    print("[%s] ratio ours/raw = %.2f (target >= 0.30); RSS growth target <= 50 MB" % (kind, ours / raw), flush=True)
    if xlsx:
        seconds, exported, size, rss_mb = our_export(app, "?format=xlsx")
        book = exported / seconds
        print("[%s] xlsx export: %d rows, %.1f MB in %.2f s = %.0f rows/s; peak RSS growth %.1f MB"
              % (kind, exported, size / 1e6, seconds, book, rss_mb))
        print("[%s] ratio xlsx/csv = %.3f, xlsx/raw = %.3f" % (kind, book / ours, book / raw), flush=True)
    if kind == "postgresql" and not kept:
        drop_database(app, db, admin, name)


def drop_database(app, db, admin, name):
    """Drop the benchmark's own PostgreSQL database once its app lets go of it."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    import psycopg

    with psycopg.connect(admin.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS %s" % name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--xlsx", action="store_true", help="time the .xlsx export too")
    parser.add_argument("--url", help="measure a database built before (e.g. the scale benchmark's "
                                      "sqlite:///instance/scale/scale_1m.db) instead of building one; one --db only")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if args.url and len(kinds) > 1:
        parser.error("--url measures one database: name its kind with --db")
    for kind in kinds:
        run(kind, args.rows, args.xlsx, args.url)


if __name__ == "__main__":
    main()
