"""Benchmark: importing cadres from an .xlsx file vs a plain bulk insert of the same rows.

    .venv/bin/python benchmarks/import_bench.py [--rows 100000] [--db sqlite|postgresql]

Builds a database (migrations, then 10 towns of 20 villages each, written
directly), writes an .xlsx of ROWS new
cadres (valid ID numbers, villages named as 镇/村), then, in the same run:
- our import: POST <list>/import/ (the preview: every row through the one
  write path, rolled back) and POST <list>/import/commit (the same again,
  committed as one batch), as the office user through the whole stack;
- a plain bulk insert of the same rows (one executemany, no checks, no
  history), rolled back;
and prints rows/s of each, their ratio, and the SQL statements per row of
the preview and of the commit. Not a test: nothing asserts.
--profile prints the 30 costliest calls (cProfile) of the preview and
the commit.
PostgreSQL: BENCH_PG_URL as in export_bench.py; database BENCH_PG_DB
(default villageaid_import_bench) is created and dropped there.
"""
import argparse
import datetime
import io
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_bench import drop_database  # noqa: E402


def id_number(serial):
    base = "530428%s%03d" % ((datetime.date(1960, 1, 1) + datetime.timedelta(days=serial // 900)).strftime("%Y%m%d"),
                            serial % 900 + 100)
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(base))
    return base + "10X98765432"[total % 11]


def male(serial):
    """The gender an ID number's 17th digit says."""
    return int(id_number(serial)[16]) % 2 == 1


def workbook(rows, villages):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["姓名", "性别", "身份证号", "电话", "类别", "职务", "派出单位", "村", "选派/任职日期", "状态"])
    for i in range(rows):
        town, village = villages[i % len(villages)]
        sheet.append(["测试%d" % i, "男" if male(i) else "女", id_number(i), "13912345678", "村干部", "村党组织书记", "",
                      "%s/%s" % (town, village), "2021-03-01", "在岗"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plain_insert(app, rows, villages):
    from app import db
    from villageaid.models import Cadre, Town, Village

    with app.app_context():
        ids = {(t, v): i for i, v, t in db.session.query(Village.id, Village.name, Town.name).join(Town)}
        mappings = [dict(name="测试%d" % i, gender="male" if male(i) else "female", id_number=id_number(i), phone="13912345678",
                         kind="village", post="secretary", village_id=ids[villages[i % len(villages)]],
                         start_date=datetime.date(2021, 3, 1), status="active")
                    for i in range(rows)]
        start = time.perf_counter()
        db.session.execute(Cadre.__table__.insert(), mappings)
        db.session.flush()
        seconds = time.perf_counter() - start
        db.session.rollback()
        db.session.remove()
    return seconds


def count_statements(app):
    """A one-item list counting the SQL statements the app's engine runs."""
    from sqlalchemy import event

    from app import db

    counter = [0]
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*args):
        counter[0] += 1

    return counter


def places(session, towns=10, villages=20):
    """Towns and villages to import into (choice codes from the models)."""
    from villageaid.models import Town, Village

    town_kind = Town.__table__.c.kind.info["choices"].pairs[0][0]
    status = Village.__table__.c.poverty_status.info["choices"].pairs[0][0]
    session.execute(Town.__table__.insert(), [dict(id=t + 1, name="测试镇%d" % t, kind=town_kind)
                                              for t in range(towns)])
    session.execute(Village.__table__.insert(), [dict(name="测试村%d" % v, town_id=t + 1, poverty_status=status)
                                                 for t in range(towns) for v in range(villages)])
    session.commit()


def timed(profile, call):
    """(seconds, value) of call(); its cProfile printed when `profile`."""
    import cProfile
    import pstats

    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    value = call()
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    if profiler:
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(30)
        if os.environ.get("BENCH_CALLEES"):
            stats.print_callees(os.environ["BENCH_CALLEES"])
    return seconds, value


def run(kind, rows, profile=False):
    from flask_migrate import upgrade

    from app import MIGRATIONS_DIR, create_app, db
    from villageaid import bootstrap
    from villageaid.models import Town, Village
    from tests.helpers import PASSWORD, Browser

    if kind == "sqlite":
        url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.db")
    else:
        import psycopg

        base = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
        name = os.environ.get("BENCH_PG_DB", "villageaid_import_bench")
        admin = base.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS %s" % name)
            conn.execute("CREATE DATABASE %s" % name)
        url = base.rsplit("/", 1)[0] + "/" + name
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "AUTH_RATE_LIMITED": False,
                      "VILLAGEAID_IMPORT_MAX_BYTES": 500 * 1024 * 1024,
                      # in the request, not as a background job: the same preview and commit
                      # functions a job runs, timed without the queue's polling
                      "VILLAGEAID_IMPORT_BACKGROUND_ROWS": 0})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        bootstrap.init_permissions()
        bootstrap.ensure_user("office", "Office", password=PASSWORD)
        places(db.session)
        villages = [(t, v) for v, t in db.session.query(Village.name, Town.name).join(Town).order_by(Village.id)]
        db.session.remove()
    data = workbook(rows, villages)
    bulk = plain_insert(app, rows, villages)
    statements = count_statements(app)
    b = Browser(app, "office")
    token = b.csrf("/cadreview/import/")
    preview, html = timed(profile, lambda: b.client.post(
        "/cadreview/import/", data={"csrf_token": token, "file": (io.BytesIO(data), "bench.xlsx")},
        content_type="multipart/form-data").get_data(as_text=True))
    found = dict(re.findall(r'class="va-(new|error)">(\d+)<', html))
    digest = re.search(r'name="sha256" value="([0-9a-f]{64})"', html).group(1)
    previewed = statements[0]
    committed, resp = timed(profile, lambda: b.client.post(
        "/cadreview/import/commit", data={"csrf_token": token, "sha256": digest}))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    print("[%s] SQL statements per row: preview %.2f, commit %.2f"
          % (kind, previewed / rows, (statements[0] - previewed) / rows))
    print("[%s] %d rows (%s new, %s errors in the preview)" % (kind, rows, found.get("new"), found.get("error")))
    print("[%s] import preview: %.1f s = %.0f rows/s" % (kind, preview, rows / preview))
    print("[%s] import commit : %.1f s = %.0f rows/s" % (kind, committed, rows / committed))
    print("[%s] plain insert  : %.2f s = %.0f rows/s; import commit / plain = %.3f"
          % (kind, bulk, rows / bulk, bulk / committed), flush=True)
    if kind == "postgresql":
        drop_database(app, db, admin, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    run(args.db, args.rows, args.profile)


if __name__ == "__main__":
    main()
