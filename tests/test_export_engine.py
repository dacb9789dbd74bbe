"""The export engine: one cell rule per kind of column, the same bytes on
every database, every list exported whole, reports neutralised, and an
export that fails midway visibly failing."""
import csv
import datetime
import decimal
import http.client
import io
import re
import threading
from decimal import Decimal

import pytest
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric, String, literal, select
from werkzeug.serving import make_server

from villageaid import exports
from villageaid.exports import (
    DATE, DATETIME, FORMULA_GUARD, MONEY, NUMBER, TEXT, YES_NO, ChoiceKind, ColumnKind, ExportMixin, rows_text,
)
from villageaid.choices import CADRE_KINDS
from villageaid.models import (
    Cadre, ExportReceipt, FollowUpAlert, FollowUpRecord, Money, ReserveCandidate, Town, TrainingAttendance, TrainingSession, Unit,
    Village,
)

from .helpers import USERS, database, ids, insert

HOSTILE = [
    "=1+1", "+1", "-5", "-", "@SUM(A1)", "\tx", "\rx", "\r\n=1", '=HYPERLINK("http://x","y")',
    "x=1", " =1", "'=already", "普通", "a\nb", "", None,
]


def csv_line(value):
    return rows_text([[value]])


def test_formula_rule_gives_the_same_cell_in_sql_and_python(app):
    with app.test_request_context(), database() as s:
        for value in HOSTILE:
            in_sql = s.scalar(select(TEXT.sql(literal(value, String))))
            assert csv_line(in_sql) == csv_line(TEXT.python(value)), repr(value)
            if value is not None:
                in_sql = s.scalar(select(FORMULA_GUARD.sql(literal(value, String))))
                assert in_sql == FORMULA_GUARD.python(value), repr(value)
    assert FORMULA_GUARD.python("=1") == "'=1" and FORMULA_GUARD.python("-5") == "'-5"
    assert FORMULA_GUARD.python("5") == "5"


NUMBERS_AND_OTHERS = [
    (NUMBER, literal(-5, Integer), -5, "-5"),
    (NUMBER, literal(0, Integer), 0, "0"),
    (NUMBER, literal(Decimal("12.5"), Numeric(6, 1)), Decimal("12.5"), "12.5"),
    (MONEY, literal(Decimal("-5"), Money), Decimal("-5"), "-5.00"),
    (MONEY, literal(Decimal("12.34"), Money), Decimal("12.34"), "12.34"),
    (MONEY, literal(Decimal("0.05"), Money), Decimal("0.05"), "0.05"),
    (MONEY, literal(Decimal("-0.05"), Money), Decimal("-0.05"), "-0.05"),
    (MONEY, literal(Decimal("9999999999.99"), Money), Decimal("9999999999.99"), "9999999999.99"),
    (MONEY, literal(5_000_000, BigInteger), Decimal("5"), "5.00"),  # kept in fen
    (MONEY, literal(Decimal("0.03505"), Money), Decimal("0.03505"), "0.035050"),  # 350.50 yuan
    (MONEY, literal(Decimal("-0.000001"), Money), Decimal("-0.000001"), "-0.000001"),
    (MONEY, literal(Decimal("9999999999.999999"), Money), Decimal("9999999999.999999"), "9999999999.999999"),
    (DATE, literal(datetime.date(2020, 2, 29), Date), datetime.date(2020, 2, 29), "2020-02-29"),
    (DATETIME, literal(datetime.datetime(2026, 1, 2, 3, 4, 5), DateTime), datetime.datetime(2026, 1, 2, 3, 4, 5),
     "2026-01-02 03:04:05"),
    (YES_NO, literal(True, Boolean), True, "是"),
    (YES_NO, literal(False, Boolean), False, "否"),
    (ChoiceKind(CADRE_KINDS), literal("village", String), "village", "村干部"),
    (ChoiceKind(CADRE_KINDS), literal("=odd", String), "=odd", "'=odd"),
]


@pytest.mark.parametrize("kind, expr, value, expected", NUMBERS_AND_OTHERS)
def test_each_kind_gives_the_same_cell_in_sql_and_python(app, kind, expr, value, expected):
    """Numbers stay numbers (-5 is not neutralised), amounts keep two decimals
    (six when they need them: exact to the fen)."""
    with app.test_request_context(headers={"Accept-Language": "zh"}), database() as s:
        in_sql = s.scalar(select(kind.sql(expr)))
        assert csv_line(in_sql) == csv_line(kind.python(value)) == csv_line(expected)


def export_views(app):
    return [v for v in app.appbuilder.baseviews if isinstance(v, ExportMixin)]


def test_every_list_export_is_final_in_sql(app):
    """No list falls back to converting rows in Python: every column's cell
    is made by the database, so PostgreSQL can write the file with COPY and
    the other databases hand rows to the csv module untouched."""
    views = export_views(app)
    assert len(views) >= 14
    with app.test_request_context():
        for view in views:
            _query, plan = view.export_plan()
            assert plan, type(view).__name__
            for column in plan:
                assert isinstance(column.kind, ColumnKind), (type(view).__name__, column.name)
                column.select()  # the SQL form builds for this column


def test_export_body_takes_copy_on_postgresql(app, browser, monkeypatch):
    """The PostgreSQL path is COPY for every list; the others stream rows."""
    used = []

    def recording(name, original):
        def wrapper(*args):
            used.append(name)
            yield from original(*args)

        monkeypatch.setattr(exports, original.__name__, wrapper)

    recording("copy", exports.copy_body)
    recording("rows", exports.stream_partitions)
    b = browser("admin")  # every list, the auditor's too
    for view in export_views(app):
        resp = b.get(view.route_base + "/export/")
        assert resp.status_code == 200 and resp.get_data()
    with database() as s:
        expected = "copy" if s.get_bind().dialect.name == "postgresql" else "rows"
    assert used and set(used) == {expected}


def some_rows():
    """An attendance, a follow-up record, a stored alert and a reserve
    candidate, so that no list is empty."""
    v1, = ids(Village, "甲村")
    c1, = ids(Cadre, "张一")
    session_id = insert(TrainingSession(title="第一期", start_date=datetime.date(2020, 7, 1),
                                        end_date=datetime.date(2020, 7, 3), hours=Decimal("12.5"), audience="both"))
    insert(TrainingAttendance(training_session_id=session_id, cadre_id=c1, status="attended", completed=True))
    insert(FollowUpRecord(village_id=v1, date=datetime.date(2020, 5, 1), kind="visit", households_visited=3))
    insert(FollowUpAlert(village_id=v1, town_id=ids(Town, "甲镇")[0], kind="no_record", period="2020-05",
                         raised_on=datetime.date(2020, 5, 1), reason="无记录", status="open"))
    insert(ReserveCandidate(village_id=v1, name="孙六", gender="female", education="bachelor",
                            political_status="party_member", background="graduate", target_post="both",
                            birth_date=datetime.date(1990, 1, 1), party_join_date=datetime.date(2015, 1, 1)))


def record_count(html):
    match = re.search(r'class="pull-right va-count">(\d+) in all<', html)
    if match:
        return int(match.group(1))
    assert "No records found" in html, html[:300]
    return 0


def test_every_registered_list_is_exported(app):
    """Every list view the add-on registers (manager.VIEWS, as the app holds
    them) has the export; a list added without it fails here."""
    from flask_appbuilder.baseviews import BaseCRUDView
    from villageaid.manager import VIEWS

    ours = {entry[0] for entry in VIEWS}
    lists = [v for v in app.appbuilder.baseviews if isinstance(v, BaseCRUDView) and type(v) in ours]
    assert lists and all(isinstance(v, ExportMixin) for v in lists), [
        type(v).__name__ for v in lists if not isinstance(v, ExportMixin)]


def exported_rows(resp, file_format):
    if file_format == "csv":
        return list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"), newline="")))
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(resp.get_data()), read_only=True)
    return [list(row) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_every_list_exports_its_rows_for_every_role_that_may(app, browser, file_format):
    some_rows()
    views = export_views(app)
    for user in USERS:
        b = browser(user, lang="en")
        for view in views:
            base = view.route_base
            refused = b.get(base + "/export/?format=" + file_format)
            assert refused.status_code in (200, 403), (user, base, refused.status_code)
            refused.get_data()
            if refused.status_code == 403:
                assert user != "admin", base
                continue
            listed = b.get(base + "/list/")
            assert listed.status_code == 200, (user, base)
            count = record_count(listed.get_data(as_text=True))
            resp = b.get(base + "/export/?format=" + file_format)  # after the list: same rows
            assert resp.status_code == 200, (user, base)
            rows = exported_rows(resp, file_format)
            assert len(rows) - 1 == count, (user, base)
            if user == "office" and not any(log in base for log in ("exportreceipt", "changerecord")):
                assert count > 0, base  # (the logs start empty)


def test_attendance_export(browser):
    some_rows()
    resp = browser("office").get("/attendanceview/export/")
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["轮训班次", "人员", "类别"] or len(rows[0]) == 7
    assert rows[1][:2] == ["第一期", "张一"] and rows[1][5] == "是"


def test_same_bytes_on_every_database(browser):
    """Line breaks inside values stay as they are (LF stays LF, CRLF stays
    CRLF), rows end with CRLF, ties in the ordering (a date) are broken by
    id, amounts have two decimals, text is neutralised, an empty text is
    written like a missing one. The expected file is written out by hand."""
    v1, = ids(Village, "甲村")
    u2, = ids(Unit, "二局")

    def record(**kw):
        return insert(FollowUpRecord(village_id=v1, **kw))

    r1 = record(date=datetime.date(2020, 3, 1), kind="visit", households_visited=3, project="=SUM(A1)",
                description="line1\nline2", participants="")
    r2 = record(date=datetime.date(2020, 1, 15), kind="funds", funds=Decimal("12.30"), project="-5",
                description="a\r\nb", unit_id=u2)
    r3 = record(date=datetime.date(2020, 3, 1), kind="visit", households_visited=0, description='say "hi"',
                problems="\tx", rectification="done", funds=Decimal("0.05"))
    resp = browser("office", lang="en").get(
        "/followuprecordview/export/?_oc_FollowUpRecordView=date&_od_FollowUpRecordView=asc"
    )
    assert resp.status_code == 200
    expected = (
        "\ufeffDate,Village,Town,Kind,Dispatching unit,Funds (10k yuan),Project,Households visited,"
        "Rectification,Participants,Description,Problems found,Record ID\r\n"
        '2020-01-15,甲村,甲镇,Funds,二局,12.30,\'-5,,Nothing to rectify,,"a\r\nb",,GZ-%d\r\n'
        '2020-03-01,甲村,甲镇,Visit,,,\'=SUM(A1),3,Nothing to rectify,,"line1\nline2",,GZ-%d\r\n'
        '2020-03-01,甲村,甲镇,Visit,,0.05,,0,Rectified,,"say ""hi""",\'\tx,GZ-%d\r\n'
    ) % (r2, r1, r3)
    expected = expected.encode("utf-8")
    assert resp.get_data().decode("utf-8") == expected.decode("utf-8")


def hostile_place():
    """A town, village, cadre and candidate whose names are formulas."""
    t = insert(Town(name='=HYPERLINK("http://x","y")', kind="town", code="=T9"))
    u = insert(Unit(name="+evil", category="government"))
    v = insert(Village(name="@village", town_id=t, unit_id=u, poverty_status="poor", exit_year=2017,
                       registered_poor=5))
    insert(Cadre(name="-cadre", gender="male", id_number="530428200001010015", kind="resident", post="team_member",
                 unit_id=u, village_id=v, start_date=datetime.date(2021, 1, 1), status="active"))
    insert(ReserveCandidate(village_id=v, name="=cand", gender="male", education="bachelor",
                            political_status="party_member", background="graduate", target_post="both"))


REPORT_EXPORTS = [
    "/villageaid/training/coverage/export/?by=town",
    "/villageaid/training/coverage/export/?by=unit",
    "/villageaid/reserve/summary/export/?table=town",
    "/villageaid/reserve/summary/export/?table=unit",
    "/villageaid/followup/alerts/export/",
]


@pytest.mark.parametrize("url", REPORT_EXPORTS)
def test_report_exports_neutralise_formulas(browser, url):
    hostile_place()
    resp = browser("office").get(url)
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"), newline="")))
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], cells
    assert not [c for c in cells if c.startswith("-") and not re.fullmatch(r"-\d+(\.\d+)?", c)]
    hostile = [c for c in cells if c.startswith("'")]
    assert hostile, "the hostile names are in the report"
    if "alerts" not in url:
        numbers = [c for c in cells if re.fullmatch(r"-?\d+(\.\d+)?", c)]
        assert numbers, "numbers stay numbers"


# --- an export that fails midway --------------------------------------------------


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join()


def signed_in_cookie(browser_):
    return "session=" + browser_.client.get_cookie("session").value


def last_receipt():
    with database() as s:
        receipt = s.scalars(select(ExportReceipt).order_by(ExportReceipt.id.desc())).first()
        return receipt.status, receipt.row_count


def test_failure_midway_drops_the_connection_and_marks_the_receipt(app, browser, live_server, monkeypatch):
    b = browser("office")
    whole = b.get("/cadreview/export/").get_data()
    original = exports.select_body

    def fails_after_the_first_rows(session, statement):
        for n, chunk in enumerate(original(session, statement)):
            if n == 1:
                raise RuntimeError("injected failure")
            yield chunk

    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)  # cursor path: 2 rows a chunk
    monkeypatch.setattr(exports, "COPY_CHUNK_BYTES", 1)  # COPY path: a row a chunk
    monkeypatch.setattr(exports, "select_body", fails_after_the_first_rows)
    connection = http.client.HTTPConnection("127.0.0.1", live_server, timeout=30)
    connection.request("GET", "/cadreview/export/", headers={"Cookie": signed_in_cookie(b)})
    response = connection.getresponse()
    assert response.status == 200  # the headers went out before the failure
    with pytest.raises(http.client.IncompleteRead) as failure:
        response.read()
    connection.close()
    received = failure.value.partial
    assert received and whole.startswith(received) and len(received) < len(whole)
    status, count = last_receipt()
    assert status == "failed"
    with database() as s:
        if s.get_bind().dialect.name != "postgresql":
            assert count == 2  # rows counted as sent: the first chunk
    html = browser("office", lang="en").get("/exportreceiptview/list/").get_data(as_text=True)
    assert "Failed on the server" in html


def test_client_leaving_midway_marks_the_receipt_interrupted(browser, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 1)
    resp = browser("office").get("/cadreview/export/", buffered=False)
    first = next(iter(resp.response))
    assert first.startswith(b"\xef\xbb\xbf")
    resp.close()
    assert last_receipt()[0] == "interrupted"


def test_complete_export_marks_the_receipt_complete(browser):
    resp = browser("office").get("/villageview/export/")
    assert resp.status_code == 200 and resp.get_data()
    assert last_receipt() == ("complete", 3)


def test_cell_of_report_values():
    assert exports.cell(Decimal("-3.5")) == "-3.50"
    assert exports.cell(-5) == "-5" and exports.cell(12.5) == "12.5"
    assert exports.cell("-5") == "'-5"
    assert exports.cell(decimal.Decimal("0")) == "0.00"


def test_same_bytes_for_a_list_postgresql_copies(browser):
    """The cadre list is written by COPY on PostgreSQL: names with line
    breaks, ties on the start date broken by id, against a hand-written file."""
    t1, = ids(Town, "甲镇")
    v = insert(Village(name="换行村", town_id=t1, poverty_status="non_poor", registered_poor=0))

    def cadre(name, id_number, start):
        insert(Cadre(name=name, gender="female", id_number=id_number, kind="village", post="director",
                     village_id=v, start_date=start, status="active", phone=""))

    cadre("行一\n行二", "530428199001010016", datetime.date(2021, 1, 1))
    cadre("回车\r\n换行", "530428199001020011", datetime.date(2019, 12, 1))
    cadre("=平", "530428199001030017", datetime.date(2021, 1, 1))
    resp = browser("office", lang="en").get(
        "/cadreview/export/?_flt_0_village=%d&_oc_CadreView=start_date&_od_CadreView=asc" % v
    )
    assert resp.status_code == 200
    expected = (
        "\ufeffFull name,Gender,Kind,Post,Dispatching unit,Village,Town (township cadres),Start date,Status,"
        "New cadre,ID number,Phone,Education,Political status,Party join date\r\n"
        '"回车\r\n换行",Female,Village cadre,Village committee director,,换行村,,2019-12-01,On duty,No,530428199001020011,,,,\r\n'
        '"行一\n行二",Female,Village cadre,Village committee director,,换行村,,2021-01-01,On duty,Yes,530428199001010016,,,,\r\n'
        "'=平,Female,Village cadre,Village committee director,,换行村,,2021-01-01,On duty,Yes,530428199001030017,,,,\r\n"
    )
    assert resp.get_data().decode("utf-8") == expected
