"""Figures of whole counties kept for the office of several counties
(countyfigures.py): its home page and coverage report read them, and show
exactly what the live statements give — after every write, whichever county
it was in; a figure computed while a write was committing is never read;
scopes other than the whole country read live.

World: the suite's county (甲村, 乙村, 丙村) and the two counties of
two_prefectures (红塔区 and 五华区, each with a 城关村), with stored alerts,
follow-up records and a new cadre in each county.
"""
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from villageaid import countyfigures, followup
from villageaid.models import (Cadre, CountyFigure, CountyVersion, FollowUpAlert, FollowUpRecord, Village)

from .helpers import database, ids, listed_count, sent_statements
from . import test_hierarchy
from .scope_world import id_number
from .test_followup_alerts import handle
from .test_home import all_links, figure
from .test_import import HEADERS_ZH, IMPORT, cadre_row, commit, upload, xlsx

REFERENCE = date(2021, 6, 15)
KUNMING = [None]  # the id of 昆明市 (the prefecture of 五华区)
FIGURES = ("fig-new", "fig-trained", "fig-untrained", "fig-below-target", "fig-alerts-open", "fig-alerts-overdue")


two_prefectures = test_hierarchy.two_prefectures  # the fixture, shared


@pytest.fixture
def counties(app, two_prefectures):
    """Alerts, records and a new cadre in each of the three counties."""
    villages = {"home": ids(Village, "甲村")[0], "hongta": two_prefectures["village_hongta"],
                "wuhua": two_prefectures["village_wuhua"]}
    with database() as s:
        for n, (key, village_id) in enumerate(sorted(villages.items())):
            village = s.get(Village, village_id)
            village.poverty_status, village.exit_year = "poor", 2017  # in the follow-up set
            s.add(FollowUpAlert(village_id=village_id, town_id=village.town_id, kind="less_funds", period="2021-06",
                                raised_on=date(2021, 6, 1), reason="test", status="open",
                                deadline=date(2021, 6, 1 + 10 * n)))
            s.add(FollowUpRecord(village_id=village_id, date=date(2021, 3, 1 + n), kind="funds",
                                 funds=Decimal("1.25") * (n + 1), rectification="none"))
            s.add(FollowUpRecord(village_id=village_id, date=date(2020, 4, 1), kind="visit", rectification="none"))
            if key != "home":
                s.add(Cadre(name="县%d人" % n, gender="male",
                            id_number=("530402199001010014", "530102199001010016")[n - 1], kind="village",
                            post="member", village_id=village_id, start_date=date(2021, 1, 1), status="active"))
        s.flush()
        followup.rebuild_months(s)
        s.commit()
    app.config["VILLAGEAID_REFERENCE_DATE"] = REFERENCE
    KUNMING[0] = two_prefectures["kunming"]
    yield dict(two_prefectures, villages=villages)
    app.config["VILLAGEAID_REFERENCE_DATE"] = None


def shown(browser, user="office"):
    """What the home page shows: its figures and tables, and the coverage
    report per county and per kind."""
    client = browser(user)
    page = client.get("/").get_data(as_text=True)
    found = {name: figure(page, name)[1] for name in FIGURES}
    for table in ("coverage-table", "alerts-table", "home-followup"):
        body = re.search(r'<table[^>]*id="%s".*?</table>' % table, page, re.S)
        found[table] = re.sub(r"\s+", " ", body.group(0)) if body else None
    for query in ("by=prefecture", "by=county", "by=kind", "by=county&division=%d" % KUNMING[0],
                  "by=kind&division=%d" % KUNMING[0]):
        report = client.get("/villageaid/training/coverage/export/?" + query)
        assert report.status_code == 200
        found["coverage " + query] = report.get_data().decode("utf-8-sig")
    return found


def live(browser, monkeypatch, user="office"):
    with monkeypatch.context() as m:
        m.setattr(countyfigures, "applies", lambda viewer: False)
        return shown(browser, user)


def kept_rows():
    with database() as s:
        return s.scalar(select(func.count(CountyFigure.id)))


def test_the_office_of_several_counties_reads_the_kept_figures_and_they_are_the_live_ones(
        browser, monkeypatch, counties):
    assert kept_rows() == 0
    kept = shown(browser)
    assert kept_rows() > 0  # filled by the first page
    assert kept == live(browser, monkeypatch)
    assert kept["fig-alerts-open"] == "3" and kept["fig-alerts-overdue"] == "2"  # deadlines 1 and 11 June
    assert "昆明市" in kept["coverage-table"] and "昆明市" in kept["coverage by=prefecture"]  # per prefecture
    for county in ("红塔区", "五华区"):
        assert county in kept["coverage by=county"]
    assert "五华区" in kept["coverage by=county&division=%d" % KUNMING[0]]
    assert "红塔区" not in kept["coverage by=county&division=%d" % KUNMING[0]]
    # every figure is the count of the list it links to
    client = browser("office")
    page = client.get("/").get_data(as_text=True)
    for name in FIGURES:
        link, text = figure(page, name)
        assert listed_count(client, link) == int(re.search(r"\d+", text).group(0)), name
    for table in ("coverage-table", "alerts-table"):
        for link, number in all_links(page, table):
            assert listed_count(client, link) == number, (table, link)


def test_a_write_in_any_county_shows_at_once(app, browser, api, monkeypatch, counties):
    """Writes through the app in each county — an alert closed, a reserve
    candidate added, a follow-up record added and deleted, a village moved
    to another county's town — move the office's figures at once."""
    office = api("office")
    before = shown(browser)  # filled
    with database() as s:
        wuhua_alert = s.scalar(select(FollowUpAlert.id).where(
            FollowUpAlert.village_id == counties["villages"]["wuhua"]))
        unit = s.get(Village, counties["villages"]["wuhua"]).unit_id
    resp = handle(browser("office"), wuhua_alert, status="closed", note="督促追加资金", result="已追加 2 万元",
                  responsible_unit=str(unit), deadline="2021-06-30")
    assert resp.status_code == 302, re.findall(r'class="[^"]*(?:error|danger)[^"]*"[^>]*>([^<]+)', resp.get_data(as_text=True))
    after = shown(browser)
    assert (before["fig-alerts-open"], after["fig-alerts-open"]) == ("3", "2")
    assert after == live(browser, monkeypatch)

    resp = office.post("/api/v1/reserve_candidate/", json={
        "village": counties["villages"]["hongta"], "name": "候选男", "id_number": id_number("19900101", 31),
        "education": "bachelor", "political_status": "party_member", "background": "veteran",
        "target_post": "both", "status": "identified", "ethnicity": "han"})
    assert resp.status_code == 201, resp.get_json()
    assert shown(browser) == live(browser, monkeypatch)

    resp = office.post("/api/v1/followup_record/", json={
        "village": counties["villages"]["hongta"], "date": "2021-06-02", "kind": "funds", "funds": "4.00",
        "rectification": "none"})
    assert resp.status_code == 201, resp.get_json()
    after = shown(browser)
    assert after["home-followup"] != before["home-followup"]
    assert after == live(browser, monkeypatch)
    assert office.delete("/api/v1/followup_record/%d" % resp.get_json()["id"]).status_code == 200
    assert shown(browser)["home-followup"] == before["home-followup"]
    assert shown(browser) == live(browser, monkeypatch)

    # 红塔区's 城关村 moves to the home county's 甲镇: both counties move
    with database() as s:
        town = s.scalar(select(Village.town_id).where(Village.id == counties["villages"]["home"]))
    url = "/api/v1/village/%d" % counties["villages"]["hongta"]
    version = office.get(url).get_json()["result"]["row_version"]
    resp = office.put(url, json={"town": town, "row_version": version})
    assert resp.status_code == 200, resp.get_json()
    moved = shown(browser)
    assert moved["coverage by=county"] != before["coverage by=county"]
    assert moved == live(browser, monkeypatch)


def test_a_figure_computed_while_a_write_commits_is_never_read(app, browser, monkeypatch, counties):
    """The versions are read before the figures are computed: a write that
    commits in between moves its county's version past the figures stored,
    which are then not read (the page reads live), and the next page fills
    them again."""
    hongta = counties["hongta"]
    real = countyfigures.compute

    def compute_while_a_write_commits(session, day, chosen=None):
        rows = real(session, day, chosen)
        # what a write of 红塔区 does as it commits, after the versions were read
        session.execute(CountyVersion.__table__.update().where(CountyVersion.county_key == hongta)
                        .values(version=CountyVersion.version + 1))
        return rows

    with monkeypatch.context() as m:
        m.setattr(countyfigures, "compute", compute_while_a_write_commits)
        with app.test_request_context():
            from villageaid.scope import Viewer

            assert countyfigures.read(Viewer(user_id=1, sees_all=True)) is None  # read live
    with database() as s:
        versions = dict(s.execute(select(CountyVersion.county_key, CountyVersion.version)).all())
        stored = s.scalar(select(CountyFigure.version).where(CountyFigure.county_key == hongta,
                                                             CountyFigure.figure == "counted"))
    assert stored == versions[hongta] - 1  # stored, and behind
    assert shown(browser) == live(browser, monkeypatch)  # filled again
    with database() as s:
        assert s.scalar(select(CountyFigure.version).where(CountyFigure.county_key == hongta,
                                                           CountyFigure.figure == "counted")) == versions[hongta]


def test_other_scopes_and_past_dates_read_live(app, browser, counties):
    """The prefecture's clerk (a division) and a town's clerk read their own
    rows; nothing is stored for them."""
    for user in ("clerk_pref", "clerk_town"):
        client = browser(user)
        page = client.get("/").get_data(as_text=True)
        for name in FIGURES:
            link, text = figure(page, name)
            assert listed_count(client, link) == int(re.search(r"\d+", text).group(0)), (user, name)
    assert kept_rows() == 0


def test_the_offices_home_page_costs_one_statement_for_the_figures(app, browser, counties):
    """Once filled, the counties' figures are one statement, however many
    counties there are; a further county adds none."""
    client = browser("office")
    client.get("/")

    def statements():
        with sent_statements(app) as sent:
            assert client.get("/").status_code == 200
        return [s for s in sent if "va_county_figure" in s]

    assert len(statements()) == 1
    before = len(statements())
    with database() as s:
        from villageaid.models import Division, Town

        county = Division(code="530403", name="江川区", level="county", parent_id=s.get(Division, counties["hongta"])
                          .parent_id)
        s.add(county)
        s.flush()
        s.add(Town(name="大街街道", kind="subdistrict", county_id=county.id))
        s.commit()
    client.get("/")  # the new county filled
    assert len(statements()) == before


def test_an_import_moves_the_figures_of_its_county_once_it_commits(browser, monkeypatch, counties):
    """An import saves its rows in savepoints of one transaction: the
    county's version moves when the whole import commits (not at each
    savepoint, which would hold the county's version row for the whole
    file), and the office's figures then count the new cadres."""
    before = shown(browser)
    b = browser("office")
    rows = [cadre_row("导入%d" % n, 600 + n) for n in range(3)]
    preview = upload(b, IMPORT, "county.xlsx", xlsx(HEADERS_ZH, rows)).get_data(as_text=True)
    assert commit(b, IMPORT, preview).status_code in (200, 302)
    after = shown(browser)
    assert int(after["fig-new"]) == int(before["fig-new"]) + 3
    assert after == live(browser, monkeypatch)


def test_both_a_county_and_a_division_are_refused(browser, counties):
    client = browser("office")
    page = client.get("/villageaid/training/coverage/?county=%d&division=%d" % (counties["hongta"], KUNMING[0]),
                      follow_redirects=True).get_data(as_text=True)
    assert "只能打开一个县（市、区）或一个上级区划" in page and 'id="coverage-prefecture"' in page
    resp = client.get("/villageaid/training/coverage/export/?by=town&county=%d&division=%d"
                      % (counties["hongta"], KUNMING[0]))
    assert resp.status_code == 400
    # an empty argument is no argument
    page = client.get("/villageaid/training/coverage/?county=&division=%d" % KUNMING[0]).get_data(as_text=True)
    assert 'id="coverage-division"' in page and "五华区" in page


def test_the_kept_figures_are_read_through_the_scope_policy(app, browser, counties):
    """Read by anyone but a viewer who sees every row (were `applies` ever
    wrong), the kept figures give nothing: the table has no scope rule, so
    scope.rows fails closed and the caller reads live."""
    from flask import current_app

    from villageaid.scope import Viewer
    from villageaid.timefmt import reference_date

    shown(browser)  # filled
    assert kept_rows() > 0
    with app.test_request_context():
        session = current_app.appbuilder.session
        day = reference_date()
        stamp = countyfigures.fingerprint(day)
        assert countyfigures._sum(session, Viewer(user_id=1, sees_all=True), stamp, day, "county", None) is not None
        clerk = Viewer(user_id=2, divisions=(counties["prefecture"],))
        assert countyfigures._sum(session, clerk, stamp, day, "county", None) is None
