"""Benchmark: CSV export of a people list vs a raw database dump of the same rows.

    .venv/bin/python benchmarks/export_bench.py [--rows 1000000] [--db sqlite|postgresql|both]

Builds a database with ROWS cadres over ROWS/200 villages (migrations, then
bulk inserts), then, in the same run:
- our export: GET /cadreview/export/ as the office user, through the whole
  Flask/FAB stack, consuming the streamed response chunk by chunk;
- the raw dump of the same rows and columns: sqlite3's CSV mode (the sqlite3
  command-line shell) or PostgreSQL's COPY ... TO STDOUT WITH CSV;
and prints rows/s of each, their ratio, and the peak growth of this
process's resident memory during our export. Not a test: nothing asserts.
PostgreSQL: BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/),
a database BENCH_PG_DATABASE (default villageaid_bench) is created and dropped there.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from stdnum.cn import ric  # noqa: E402

T0 = datetime(2024, 1, 1)

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


def id_number(i):
    birth = date(1960, 1, 1) + timedelta(days=i // 1000)
    body = "530428" + birth.strftime("%Y%m%d") + "%03d" % (i % 1000)
    return body + ric.calc_check_digit(body + "0")


def generate(session, rows):
    """Towns, units, villages and `rows` cadres, inserted in bulk."""
    from villageaid.models import Cadre, Town, Unit, Village

    rng = random.Random(1)
    n_villages = max(rows // 200, 10)
    session.execute(Town.__table__.insert(), [
        {"id": i + 1, "name": "镇%d" % i, "kind": "town", "row_version": 1,
         "created_on": T0, "changed_on": T0} for i in range(max(n_villages // 20, 1))])
    session.execute(Unit.__table__.insert(), [
        {"id": i + 1, "name": "单位%d" % i, "category": "government", "row_version": 1,
         "created_on": T0, "changed_on": T0} for i in range(100)])
    n_towns = max(n_villages // 20, 1)
    session.execute(Village.__table__.insert(), [
        {"id": i + 1, "name": "村%d" % i, "town_id": i % n_towns + 1, "unit_id": i % 100 + 1,
         "poverty_status": "poor", "exit_year": 2017, "registered_poor": 50, "row_version": 1,
         "created_on": T0, "changed_on": T0} for i in range(n_villages)])
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"
    batch = []
    for i in range(rows):
        resident = i % 2 == 0
        batch.append({
            "id": i + 1,
            "name": rng.choice(surnames) + rng.choice(given) + rng.choice(given),
            "gender": "male" if i % 3 else "female",
            "id_number": id_number(i),
            "phone": "138%08d" % i,
            "kind": "resident" if resident else "village",
            "post": "team_member" if resident else "committee_member",
            "unit_id": (i % 100 + 1) if resident else None,
            "village_id": i % n_villages + 1,
            "start_date": date(2016, 1, 1) + timedelta(days=i % 2000),
            "status": "active",
            "row_version": 1, "created_on": T0, "changed_on": T0,
        })
        if len(batch) == 20000:
            session.execute(Cadre.__table__.insert(), batch)
            batch = []
    if batch:
        session.execute(Cadre.__table__.insert(), batch)
    session.commit()


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


def our_export(app):
    from tests.conftest import Browser

    b = Browser(app, "office")
    start_rss = PeakRss()
    start_rss.start()
    start = time.perf_counter()
    resp = b.client.get("/cadreview/export/", buffered=False)
    lines = 0
    size = 0
    for chunk in resp.response:
        lines += chunk.count(b"\r\n")
        size += len(chunk)
    resp.close()
    seconds = time.perf_counter() - start
    return seconds, lines - 1, size, start_rss.stop()


def run(kind, rows):
    from flask_migrate import upgrade

    from app import MIGRATIONS_DIR, create_app, db
    from villageaid import bootstrap
    from tests.conftest import PASSWORD

    if kind == "sqlite":
        path = os.path.join(tempfile.mkdtemp(), "bench.db")
        url = "sqlite:///" + path
    else:
        import psycopg

        base = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
        admin = base.rsplit("/", 1)[0] + "/postgres"
        name = os.environ.get("BENCH_PG_DATABASE", "villageaid_bench")
        with psycopg.connect(admin.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS %s" % name)
            conn.execute("CREATE DATABASE %s" % name)
        url = base.rsplit("/", 1)[0] + "/" + name
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "AUTH_RATE_LIMITED": False})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        bootstrap.init_permissions()
        bootstrap.ensure_user("office", "Office", password=PASSWORD)
        t = time.perf_counter()
        generate(db.session, rows)
        if kind == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        print("[%s] generated %d cadres in %.1f s" % (kind, rows, time.perf_counter() - t), flush=True)
        db.session.remove()
    seconds, exported, size, rss_mb = our_export(app)
    raw_seconds, raw_lines = raw_dump_sqlite(path) if kind == "sqlite" else raw_dump_postgresql(url)
    ours, raw = exported / seconds, raw_lines / raw_seconds
    print("[%s] our export : %d rows, %.1f MB in %.2f s = %.0f rows/s; peak RSS growth %.1f MB"
          % (kind, exported, size / 1e6, seconds, ours, rss_mb))
    print("[%s] raw dump   : %d rows in %.2f s = %.0f rows/s" % (kind, raw_lines, raw_seconds, raw))
    print("[%s] ratio ours/raw = %.2f (target >= 0.30); RSS growth target <= 50 MB" % (kind, ours / raw), flush=True)
    if kind == "postgresql":
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
    args = parser.parse_args()
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        run(kind, args.rows)


if __name__ == "__main__":
    main()
