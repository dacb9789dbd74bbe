"""批量导入 over HTTP: template, upload (.xlsx, .csv in UTF-8 ± BOM and
GB18030, an old .xls refused), headers in Chinese or English, preview
through the one write path (nothing kept), every kind of error with row,
column, value and message, duplicates inside the file, a clerk's key out of
scope, commit all or nothing, upsert of only what changed, the error file,
batches linked from the change history, the round trip export → import."""
import csv
import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from villageaid import rules
from villageaid.models import Cadre, ChangeRecord, FollowUpRecord, ImportBatch, ReserveCandidate, Village

from .helpers import ID_NUMBERS, count, database, fetch, ids, insert

HEADERS_ZH = ["姓名", "性别", "身份证号", "电话", "类别", "职务", "派出单位", "村", "选派/任职日期", "状态"]
HEADERS_EN = ["Full name", "Gender", "ID number", "Phone", "Kind", "Post", "Dispatching unit", "Village", "Start date",
              "Status"]


def id_number(serial):
    """A valid GB 11643 number (ISO 7064 MOD 11-2 check character)."""
    base = "53042819920101%03d" % serial
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(base))
    return base + "10X98765432"[total % 11]


def cadre_row(name, serial, village="甲村", kind="村干部", post="村党组织书记", unit=""):
    return [name, "", id_number(serial), "13912345678", kind, post, unit, village, "2021-03-01", "在岗"]  # gender: from the ID number


def xlsx(headers, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(headers, rows, encoding):
    out = io.StringIO()
    csv.writer(out).writerows([headers] + rows)
    return out.getvalue().encode(encoding)


def upload(b, url, name, data):
    token = b.csrf(url)
    return b.client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                         content_type="multipart/form-data")


def counts(html):
    found = {k: int(v) for k, v in re.findall(r'class="va-(new|update|unchanged|error)">(\d+)<', html)}
    assert found, html[:2000]
    return found


def errors(html):
    table = html.split('va-import-errors', 1)[1] if "va-import-errors" in html else ""
    return [tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row))
            for row in re.findall(r"<tr><td>(.*?)</tr>", table, re.S) for row in [row.join(["<td>", ""])]]


def digest_of(html):
    return re.search(r'name="sha256" value="([0-9a-f]{64})"', html).group(1)


def commit(b, url, html):
    token = b.csrf(url)
    return b.client.post(url.replace("/import/", "/import/commit"),
                         data={"csrf_token": token, "sha256": digest_of(html)})


IMPORT = "/cadreview/import/"


def test_template_has_headers_example_dropdowns_and_explanation(browser):
    resp = browser("office").get(IMPORT + "template/")
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.get_data()))
    data, explain = book.worksheets[0], book.worksheets[1]
    headers = [c.value for c in data[1]]
    assert headers[:3] == ["姓名*", "性别", "身份证号*"]
    example = [c.value for c in data[2]]
    assert example[2] == "110101199003074514" and data.cell(2, 3).data_type == "s"
    assert data.cell(2, 3).number_format == "@"
    assert any("B2" in str(v.sqref) for v in data.data_validations.dataValidation)  # 性别 is a dropdown
    explained = " ".join(str(c.value) for row in explain.iter_rows() for c in row if c.value)
    assert "身份证号" in explained and "新任干部" in explained  # a settable and an export-only column
    en = load_workbook(io.BytesIO(browser("office", lang="en").get(IMPORT + "template/").get_data())).worksheets[0]
    assert [c.value for c in en[1]][:2] == ["Full name*", "Gender"]


def test_template_round_trips_into_an_error_free_preview(browser):
    """The template itself (example row edited to a real village) previews."""
    b = browser("office")
    book = load_workbook(io.BytesIO(b.get(IMPORT + "template/").get_data()))
    sheet = book.worksheets[0]
    sheet.cell(2, 5).value = "村干部"
    sheet.cell(2, 6).value = "村党组织书记"
    sheet.cell(2, 7).value = None  # (a resident has a unit; this one is a village cadre)
    sheet.cell(2, 8).value = "甲村"
    sheet.cell(2, 9).value = None  # (a township cadre's own town; not this one's)
    out = io.BytesIO()
    book.save(out)
    html = upload(b, IMPORT, "t.xlsx", out.getvalue()).get_data(as_text=True)
    assert counts(html)["new"] == 1, errors(html)


def test_preview_keeps_nothing_and_commit_creates_in_one_batch(browser):
    b = browser("office")
    before = count(Cadre)
    data = xlsx(HEADERS_ZH, [cadre_row("新甲", 1), cadre_row("新乙", 2, village="乙乡/乙村", kind="驻村干部",
                                                                   post="工作队队员", unit="二局")])
    html = upload(b, IMPORT, "roster.xlsx", data).get_data(as_text=True)
    assert counts(html) == {"new": 2, "update": 0, "unchanged": 0, "error": 0}, errors(html)
    assert count(Cadre) == before  # a preview keeps nothing
    with database() as s:
        assert s.scalar(select(ImportBatch.id)) is None
    resp = commit(b, IMPORT, html)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    assert count(Cadre) == before + 2
    with database() as s:
        batch = s.scalars(select(ImportBatch)).one()
        assert (batch.file_name, batch.created_count, batch.row_count) == ("roster.xlsx", 2, 2)
        assert batch.user.username == "office" and len(batch.sha256) == 64
        changes = s.scalars(select(ChangeRecord).where(ChangeRecord.import_batch_id == batch.id)).all()
        assert sorted(c.record_label for c in changes) == ["新乙", "新甲"]
        assert {c.path for c in changes} == {"import"}
        cadre = s.scalars(select(Cadre).where(Cadre.name == "新乙")).one()
        assert cadre.id_number == id_number(2) and cadre.village.name == "乙村"
    # the same file again: nothing to do
    html = upload(b, IMPORT, "roster.xlsx", data).get_data(as_text=True)
    assert counts(html) == {"new": 0, "update": 0, "unchanged": 2, "error": 0}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_in_each_encoding_with_english_headers(browser, encoding):
    data = csv_bytes(HEADERS_EN, [["新丙", "Male", id_number(3), "13912345678", "Village cadre",
                                   "Party branch secretary", "", "甲村", "2021-03-01", "On duty"]], encoding)
    html = upload(browser("office", lang="en"), IMPORT, "roster.csv", data).get_data(as_text=True)
    assert counts(html)["new"] == 1, errors(html)


def test_chinese_labels_in_an_english_session_and_field_names(browser):
    headers = ["name", "gender", "id_number", "phone", "kind", "post", "unit", "village", "start_date", "status"]
    html = upload(browser("office", lang="en"), IMPORT, "r.xlsx", xlsx(headers, [cadre_row("新丁", 4)])).get_data(
        as_text=True)
    assert counts(html)["new"] == 1, errors(html)


def test_old_xls_and_other_files_get_a_message(browser):
    b = browser("office")
    html = upload(b, IMPORT, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100).get_data(as_text=True)
    assert "另存为 .xlsx" in html
    html = upload(b, IMPORT, "x.pdf", b"%PDF-1.4").get_data(as_text=True)
    assert "请上传 .xlsx 或 .csv 文件" in html


def test_missing_required_column_comes_first(browser):
    headers = [h for h in HEADERS_ZH if h != "身份证号"] + ["无此列"]
    row = [v for h, v in zip(HEADERS_ZH, cadre_row("新戊", 5)) if h != "身份证号"] + ["x"]
    html = upload(browser("office"), IMPORT, "r.xlsx", xlsx(headers, [row])).get_data(as_text=True)
    assert "缺少必填列：身份证号" in html and "无此列" not in html.split("缺少必填列", 1)[1][:200]


def test_unknown_column_is_an_error_and_export_only_columns_are_ignored(browser):
    b = browser("office")
    html = upload(b, IMPORT, "r.xlsx", xlsx(HEADERS_ZH + ["无此列"], [cadre_row("新戊", 5) + ["x"]])).get_data(
        as_text=True)
    assert "未知的列：无此列" in html
    html = upload(b, IMPORT, "r.xlsx", xlsx(HEADERS_ZH + ["新任干部"], [cadre_row("新戊", 5) + ["是"]])).get_data(
        as_text=True)
    assert counts(html)["new"] == 1 and "新任干部" in html.split("alert-info", 1)[1][:300]


def test_every_kind_of_row_error_with_row_column_value_and_message(browser):
    rows = [
        cadre_row("坏号", 6)[:2] + ["530428199201010011"] + cadre_row("坏号", 6)[3:],  # check digit
        cadre_row("坏日", 7)[:8] + ["2021-13-45", "在岗"],
        cadre_row("坏选", 8)[:4] + ["外星人"] + cadre_row("坏选", 8)[5:],
        cadre_row("坏村", 9, village="无此村"),
        cadre_row("坏电", 10)[:3] + ["12"] + cadre_row("坏电", 10)[4:],
        ["", "男", id_number(11), "", "村干部", "村党组织书记", "", "甲村", "2021-03-01", "在岗"],  # required
        cadre_row("未来", 12)[:8] + ["2999-01-01", "在岗"],  # a rule of the model
    ]
    html = upload(browser("office"), IMPORT, "r.xlsx", xlsx(HEADERS_ZH, rows)).get_data(as_text=True)
    assert counts(html) == {"new": 0, "update": 0, "unchanged": 0, "error": 7}
    found = {row: (column, value) for row, column, value, _message in errors(html)}
    assert found["2"] == ("身份证号", "530428199201010011")
    assert found["3"] == ("选派/任职日期", "2021-13-45")
    assert found["4"] == ("类别", "外星人")
    assert found["5"] == ("村", "无此村")
    assert found["6"][0] == "电话"
    assert found["7"][0] == "姓名"
    assert found["8"][0] == "选派/任职日期"
    assert count(Cadre, Cadre.name.in_(["坏号", "坏日", "坏选", "坏村", "坏电", "未来"])) == 0


def test_duplicate_keys_in_the_file_are_errors(browser):
    rows = [cadre_row("重一", 13), cadre_row("重二", 13)]
    html = upload(browser("office"), IMPORT, "r.xlsx", xlsx(HEADERS_ZH, rows)).get_data(as_text=True)
    assert counts(html)["error"] == 1
    (row, column, value, message), = errors(html)
    assert row == "3" and value == id_number(13) and "第 2 行" in message


def test_a_clerks_key_out_of_scope_reveals_nothing_and_changes_nothing(browser):
    """王三 is in 乙村 (乙乡), outside clerk_town's scope: the form's "in use"
    message, nothing about the record."""
    b = browser("clerk_town")
    row = ["王三改", "男", ID_NUMBERS["王三"], "13912345678", "村干部", "村党组织书记", "", "甲村", "2021-03-01", "在岗"]
    html = upload(b, IMPORT, "r.xlsx", xlsx(HEADERS_ZH, [row])).get_data(as_text=True)
    assert counts(html) == {"new": 0, "update": 0, "unchanged": 0, "error": 1}
    (_row, column, _value, message), = errors(html)
    assert column == "身份证号" and message == "该值已被其他记录使用。"
    for secret in ("王三</", "乙村", "乙乡", "一局"):
        assert secret not in html
    wang, = ids(Cadre, "王三")
    assert fetch(Cadre, wang).name == "王三"
    # a row that would put a record in a village outside the scope
    html = upload(b, IMPORT, "r.xlsx", xlsx(HEADERS_ZH, [cadre_row("外村", 14, village="乙村")])).get_data(as_text=True)
    assert counts(html)["error"] == 1 and "乙村" in errors(html)[0][2] and len(errors(html)) == 1


def test_all_or_nothing_when_the_last_row_fails_at_commit(browser, monkeypatch):
    b = browser("office")
    before = count(Cadre)
    rows = [cadre_row("全%d" % i, 20 + i) for i in range(5)]
    html = upload(b, IMPORT, "r.xlsx", xlsx(HEADERS_ZH, rows)).get_data(as_text=True)
    assert counts(html)["new"] == 5
    original = rules.model_errors

    def fails_on_the_last(item, before_):
        if getattr(item, "name", None) == "全4":
            return {"name": "injected failure"}
        return original(item, before_)

    monkeypatch.setattr(rules, "model_errors", fails_on_the_last)
    resp = commit(b, IMPORT, html)
    assert "未导入任何数据" in resp.get_data(as_text=True)
    assert count(Cadre) == before
    with database() as s:
        assert s.scalar(select(ImportBatch.id)) is None
        assert s.scalar(select(ChangeRecord.id).where(ChangeRecord.path == "import")) is None


def test_rows_refused_inside_a_chunk_stand_alone_and_the_rest_is_saved(app, browser, monkeypatch):
    """Rows are saved a chunk at a time; a chunk the write path refuses is
    split until the refused rows stand alone: each is reported on its own
    row, the others count as new, and a commit links every row to its batch."""
    b = browser("office")
    before = count(Cadre)
    rows = [cadre_row("块%d" % i, 60 + i) for i in range(8)]
    data = xlsx(HEADERS_ZH, rows)
    original = rules.model_errors

    def refuses_two(item, before_):
        if getattr(item, "name", None) in ("块1", "块6"):
            return {"name": "injected failure"}
        return original(item, before_)

    saved = app.config.get("VILLAGEAID_IMPORT_CHUNK_ROWS")
    app.config["VILLAGEAID_IMPORT_CHUNK_ROWS"] = 3
    try:
        clean = upload(b, IMPORT, "c.xlsx", data).get_data(as_text=True)
        assert counts(clean)["new"] == 8
        monkeypatch.setattr(rules, "model_errors", refuses_two)
        html = upload(b, IMPORT, "c.xlsx", data).get_data(as_text=True)
        assert counts(html) == {"new": 6, "update": 0, "unchanged": 0, "error": 2}
        assert errors(html) == [("3", "姓名", "块1", "injected failure"), ("8", "姓名", "块6", "injected failure")]
        # a commit whose later chunk is refused keeps nothing of the earlier ones
        resp = commit(b, IMPORT, clean)
        assert "未导入任何数据" in resp.get_data(as_text=True)
        assert count(Cadre) == before
        monkeypatch.setattr(rules, "model_errors", original)
        html = upload(b, IMPORT, "c.xlsx", data).get_data(as_text=True)
        assert counts(html)["new"] == 8
        assert commit(b, IMPORT, html).status_code == 302
    finally:
        if saved is None:
            app.config.pop("VILLAGEAID_IMPORT_CHUNK_ROWS", None)
        else:
            app.config["VILLAGEAID_IMPORT_CHUNK_ROWS"] = saved
    assert count(Cadre) == before + 8
    with database() as s:
        batch = s.scalar(select(ImportBatch.id).where(ImportBatch.file_name == "c.xlsx"))
        linked = s.scalars(select(ChangeRecord.record_label).where(ChangeRecord.import_batch_id == batch)).all()
        assert sorted(linked) == sorted("块%d" % i for i in range(8))
        trained = s.execute(select(Cadre.name, Cadre.trained_on).where(Cadre.name.like("块%"))).all()
        assert len(trained) == 8


def exported(b, url):
    return load_workbook(io.BytesIO(b.get(url).get_data()))


def test_round_trip_and_upsert_changing_only_what_changed(browser):
    b = browser("office")
    book = exported(b, "/cadreview/export/?format=xlsx")
    out = io.BytesIO()
    book.save(out)
    html = upload(b, IMPORT, "cadres.xlsx", out.getvalue()).get_data(as_text=True)
    total = count(Cadre)
    assert counts(html) == {"new": 0, "update": 0, "unchanged": total, "error": 0}, errors(html)
    assert "新任干部" in html  # recognised, ignored
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "张一":
            row[header.index("电话")].value = "13700000000"
    out = io.BytesIO()
    book.save(out)
    html = upload(b, IMPORT, "cadres.xlsx", out.getvalue()).get_data(as_text=True)
    assert counts(html) == {"new": 0, "update": 1, "unchanged": total - 1, "error": 0}
    zhang, = ids(Cadre, "张一")
    version = fetch(Cadre, zhang).row_version
    assert commit(b, IMPORT, html).status_code == 302
    cadre = fetch(Cadre, zhang)
    assert cadre.phone == "13700000000" and cadre.row_version == version + 1
    with database() as s:
        change = s.scalars(select(ChangeRecord).where(ChangeRecord.path == "import")).one()
        assert [f[0] for f in json.loads(change.changes)] == ["phone"]


def test_villages_by_town_and_name_round_trip(browser):
    b = browser("office")
    book = exported(b, "/villageview/export/?format=xlsx")
    out = io.BytesIO()
    book.save(out)
    html = upload(b, "/villageview/import/", "v.xlsx", out.getvalue()).get_data(as_text=True)
    assert counts(html) == {"new": 0, "update": 0, "unchanged": count(Village), "error": 0}, errors(html)


def test_commit_refuses_when_a_planned_update_changed_since(browser):
    b = browser("office")
    rows = [["张一", "男", ID_NUMBERS["张一"], "13600000000", "村干部", "村党组织书记", "", "甲村", "2020-06-01", "在岗"]]
    html = upload(b, IMPORT, "r.xlsx", xlsx(HEADERS_ZH, rows)).get_data(as_text=True)
    assert counts(html)["update"] == 1
    zhang, = ids(Cadre, "张一")
    edit = "/cadreview/edit/%d" % zhang
    form = {"name": "张一", "gender": "male", "id_number": ID_NUMBERS["张一"], "phone": "13811112222",
            "kind": "village", "post": "secretary", "village": ids(Village, "甲村")[0], "start_date": "2020-06-01",
            "status": "active", "row_version": b.row_version(edit)}
    assert b.post(edit, form).status_code == 302
    resp = commit(b, IMPORT, html)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200, (resp.status_code, fetch(Cadre, zhang).phone)
    (row, _column, value, _message), = errors(text)
    assert row == "2" and value == ID_NUMBERS["张一"]  # the conflicting record, by its key
    assert "未导入任何数据" in text and "已被他人修改" in text, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text.split("<body", 1)[1]))[:1500]
    assert fetch(Cadre, zhang).phone == "13811112222"


def test_error_file_has_the_rows_and_an_error_column(browser):
    b = browser("office")
    rows = [cadre_row("好行", 30), cadre_row("坏村", 31, village="无此村")]
    html = upload(b, IMPORT, "r.xlsx", xlsx(HEADERS_ZH, rows)).get_data(as_text=True)
    link = re.search(r'href="(/cadreview/import/errors/[0-9a-f]{64})"', html).group(1)
    resp = b.get(link)
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.get_data())).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == HEADERS_ZH + ["错误"]
    assert len(values) == 2 and values[1][0] == "坏村" and values[1][2] == id_number(31)
    assert values[1][-1].startswith("村: ")
    # another user cannot fetch it
    assert browser("clerk_town").get(link).status_code == 404


def test_import_needs_its_permission_and_clerks_keep_to_reference_reading(browser):
    assert browser("inspector").get(IMPORT).status_code == 403
    assert browser("clerk_town").get(IMPORT).status_code == 200
    assert browser("clerk_town").get("/townview/import/").status_code == 403
    assert browser("office").get("/townview/import/").status_code == 200
    assert browser("clerk_town").get("/villageview/import/").status_code == 403  # the office's
    assert browser("office").get("/villageview/import/").status_code == 200
    assert "/cadreview/import/" in browser("clerk_town").get("/cadreview/list/").get_data(as_text=True)
    assert "/cadreview/import/" not in browser("inspector").get("/cadreview/list/").get_data(as_text=True)
    assert datetime  # (dates in rows above are text, as typed)


def commit_rows(b, rows, name="r.xlsx"):
    html = upload(b, IMPORT, name, xlsx(HEADERS_ZH, rows)).get_data(as_text=True)
    assert counts(html)["error"] == 0, errors(html)
    assert commit(b, IMPORT, html).status_code == 302
    with database() as s:
        return s.scalar(select(ImportBatch.id).order_by(ImportBatch.id.desc()))


def undo(b, batch_id):
    token = b.csrf("/villageaid/imports/")
    return b.client.post("/villageaid/imports/%d/undo" % batch_id, data={"csrf_token": token},
                         follow_redirects=True).get_data(as_text=True)


def test_batches_are_the_offices_and_undo_restores_everything(browser):
    b = browser("office")
    zhang, = ids(Cadre, "张一")
    before = fetch(Cadre, zhang).phone
    rows = [cadre_row("撤一", 40), ["张一", "男", ID_NUMBERS["张一"], "13500000000", "村干部", "村党组织书记", "", "甲村",
                                   "2020-06-01", "在岗"]]
    batch_id = commit_rows(b, rows, name="undo-me.xlsx")
    assert fetch(Cadre, zhang).phone == "13500000000"
    html = b.get("/villageaid/imports/").get_data(as_text=True)
    assert "undo-me.xlsx" in html and "人员" in html
    assert browser("clerk_town").get("/villageaid/imports/").status_code == 403
    assert browser("inspector").get("/villageaid/imports/").status_code == 403
    html = undo(b, batch_id)
    assert "已撤销" in html, html[-3000:]
    assert fetch(Cadre, zhang).phone == before
    new, = ids(Cadre, "撤一")
    assert fetch(Cadre, new).deleted_on is not None  # in the recycle bin
    assert "该批次已撤销" in undo(b, batch_id)


def test_undo_is_refused_after_a_later_edit(browser):
    b = browser("office")
    batch_id = commit_rows(b, [cadre_row("撤二", 41)])
    new, = ids(Cadre, "撤二")
    edit = "/cadreview/edit/%d" % new
    form = {"name": "撤二改", "gender": "male", "id_number": id_number(41), "phone": "13912345678",
            "kind": "village", "post": "secretary", "village": ids(Village, "甲村")[0], "start_date": "2021-03-01",
            "status": "active", "row_version": b.row_version(edit)}
    assert b.post(edit, form).status_code == 302
    html = undo(b, batch_id)
    assert "未撤销" in html and "撤二改" in html
    assert fetch(Cadre, new).deleted_on is None and fetch(Cadre, new).name == "撤二改"
    with database() as s:
        assert s.get(ImportBatch, batch_id).undone_on is None


@pytest.mark.parametrize("view", ["townview", "unitview", "villageview", "cadreview", "attendanceview",
                                  "followuprecordview", "reservecandidateview"])
def test_round_trip_of_every_keyed_list(browser, view):
    """Export as .xlsx as a user who sees personal data, import unchanged:
    0 new, 0 updated, no error. (Follow-up records, and candidates without
    an ID number, are matched by the 记录编号 the export writes.)"""
    from .test_export_engine import some_rows

    some_rows()
    b = browser("office")
    book = exported(b, "/%s/export/?format=xlsx" % view)
    rows = book.worksheets[0].max_row - 1
    out = io.BytesIO()
    book.save(out)
    html = upload(b, "/%s/import/" % view, "x.xlsx", out.getvalue()).get_data(as_text=True)
    assert counts(html) == {"new": 0, "update": 0, "unchanged": rows, "error": 0}, errors(html)


def test_limits_on_size_and_rows_are_messages(app, browser):
    b = browser("office")
    data = xlsx(HEADERS_ZH, [cadre_row("限%d" % i, 50 + i) for i in range(3)])
    saved = {k: app.config[k] for k in ("VILLAGEAID_IMPORT_MAX_ROWS", "VILLAGEAID_IMPORT_MAX_BYTES")}
    app.config["VILLAGEAID_IMPORT_MAX_ROWS"] = 2
    try:
        html = upload(b, IMPORT, "r.xlsx", data).get_data(as_text=True)
        assert "超过单次导入上限 2 行" in html
    finally:
        app.config.update(saved)
    app.config["VILLAGEAID_IMPORT_MAX_BYTES"] = len(data) - 1
    try:
        html = upload(b, IMPORT, "r.xlsx", data).get_data(as_text=True)
        assert "请拆分后再导入" in html and "va-new" not in html
    finally:
        app.config.update(saved)


FOLLOWUP = "/followuprecordview/import/"


def test_followup_records_round_trip_by_record_code_and_one_money_change(browser):
    """Follow-up records have no natural key: the export's 记录编号 (GZ-<id>)
    matches each row to its record; a row without one is new."""
    from .test_export_engine import some_rows

    some_rows()
    v1, = ids(Village, "甲村")
    funded = insert(FollowUpRecord(village_id=v1, date=datetime.date(2020, 6, 1), kind="funds",
                                   funds=Decimal("12.30"), project="修路"))
    b = browser("office")
    book = exported(b, "/followuprecordview/export/?format=xlsx")
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "记录编号"
    codes = [row[-1].value for row in sheet.iter_rows(min_row=2)]
    assert "GZ-%d" % funded in codes
    total = count(FollowUpRecord)
    out = io.BytesIO()
    book.save(out)
    html = upload(b, FOLLOWUP, "f.xlsx", out.getvalue()).get_data(as_text=True)
    assert counts(html) == {"new": 0, "update": 0, "unchanged": total, "error": 0}, errors(html)
    for row in sheet.iter_rows(min_row=2):
        if row[-1].value == "GZ-%d" % funded:
            row[header.index("资金（万元）")].value = 15.5
    sheet.append([None] * len(header))  # (an empty row is skipped)
    out = io.BytesIO()
    book.save(out)
    html = upload(b, FOLLOWUP, "f.xlsx", out.getvalue()).get_data(as_text=True)
    assert counts(html) == {"new": 0, "update": 1, "unchanged": total - 1, "error": 0}, errors(html)
    assert commit(b, FOLLOWUP, html).status_code == 302
    assert fetch(FollowUpRecord, funded).funds == Decimal("15.5")
    assert count(FollowUpRecord) == total
    # the same rows without their codes are new records
    for row in sheet.iter_rows(min_row=2):
        row[-1].value = None
    out = io.BytesIO()
    book.save(out)
    html = upload(b, FOLLOWUP, "f.xlsx", out.getvalue()).get_data(as_text=True)
    assert counts(html) == {"new": total, "update": 0, "unchanged": 0, "error": 0}, errors(html)


def test_a_record_code_out_of_scope_or_in_the_bin_says_only_what_the_form_would(browser):
    """clerk_town sees 甲村 only: a code of a record in 乙村, and a code of no
    record, get the same message; a code of its own binned record says so."""
    v1, = ids(Village, "甲村")
    v2, = ids(Village, "乙村")
    foreign = insert(FollowUpRecord(village_id=v2, date=datetime.date(2020, 5, 1), kind="visit",
                                    households_visited=2, project="秘密项目"))
    binned = insert(FollowUpRecord(village_id=v1, date=datetime.date(2020, 5, 2), kind="visit",
                                   households_visited=1, deleted_on=datetime.datetime(2021, 1, 1)))
    headers = ["村", "日期", "类别", "走访户数", "记录编号"]
    rows = [["甲村", "2020-05-01", "走访", 5, "GZ-%d" % foreign],
            ["甲村", "2020-05-01", "走访", 5, "GZ-%d" % (foreign + 1000)],
            ["甲村", "2020-05-01", "走访", 5, "gz%d" % binned],
            ["甲村", "2020-05-01", "走访", 5, "CD-1"]]
    html = upload(browser("clerk_town"), FOLLOWUP, "f.xlsx", xlsx(headers, rows)).get_data(as_text=True)
    assert counts(html) == {"new": 0, "update": 0, "unchanged": 0, "error": 4}, errors(html)
    found = errors(html)
    assert found[0][1:] == ("记录编号", "GZ-%d" % foreign, "在您的权限范围内没有此记录。")
    assert found[1][1:] == ("记录编号", "GZ-%d" % (foreign + 1000), "在您的权限范围内没有此记录。")
    assert found[2][1] == "记录编号" and "回收站" in found[2][3]
    assert found[3][1] == "记录编号" and "GZ-1" in found[3][3]
    for secret in ("乙村", "秘密项目"):
        assert secret not in html
    assert fetch(FollowUpRecord, foreign).households_visited == 2
    # the office, who sees 乙村, updates it by the same code (into 甲村, in the follow-up set)
    html = upload(browser("office"), FOLLOWUP, "f.xlsx", xlsx(headers, rows[:1])).get_data(as_text=True)
    assert counts(html)["update"] == 1, errors(html)
    # the write path's rules see the row's new village: 乙村 is not in the follow-up set
    html = upload(browser("office"), FOLLOWUP, "f.xlsx", xlsx(headers, [["乙村", "2020-05-01", "走访", 5, None]])
                  ).get_data(as_text=True)
    (_row, column, value, message), = errors(html)
    assert (column, value) == ("村", "乙村") and "2017" in message


def test_candidates_without_an_id_number_update_by_record_code(browser):
    from .test_export_engine import some_rows

    some_rows()
    sun, = ids(ReserveCandidate, "孙六")
    headers = ["村", "姓名", "性别", "学历", "政治面貌", "人员类型", "培养方向", "出生日期", "入党日期", "记录编号"]
    row = ["甲村", "孙六", "female", "bachelor", "party_member", "graduate", "both", "1990-01-01", "2015-01-01",
           "HB-%d" % sun]  # (choices by their codes)
    b = browser("office")
    html = upload(b, "/reservecandidateview/import/", "c.xlsx", xlsx(headers, [row, row])).get_data(as_text=True)
    assert counts(html)["error"] == 1 and "第 2 行" in errors(html)[0][3], errors(html)
    row[1] = "孙六改"
    html = upload(b, "/reservecandidateview/import/", "c.xlsx", xlsx(headers, [row])).get_data(as_text=True)
    assert counts(html) == {"new": 0, "update": 1, "unchanged": 0, "error": 0}, errors(html)
    assert commit(b, "/reservecandidateview/import/", html).status_code == 302
    assert fetch(ReserveCandidate, sun).name == "孙六改"


def test_the_template_states_the_key_of_each_list(browser):
    def explained(url):
        book = load_workbook(io.BytesIO(browser("office").get(url + "template/").get_data()))
        return " ".join(str(c.value) for row in book.worksheets[1].iter_rows() for c in row if c.value)

    assert "记录编号" in explained(FOLLOWUP) and "新记录" in explained(FOLLOWUP)
    assert "记录编号" in explained("/reservecandidateview/import/")
    assert "身份证号" in explained("/reservecandidateview/import/")
    assert "身份证号" in explained(IMPORT) and "记录编号" not in explained(IMPORT)
