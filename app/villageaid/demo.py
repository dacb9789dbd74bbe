"""Demo data: a small invented county modelled on Yuanjiang (元江县).

Town and unit names are real kinds of names; every person is invented
(Faker zh_CN) with a valid ID number. Loaded into an empty database only.
"""
import random
from datetime import date, timedelta
from decimal import Decimal

from faker import Faker
from sqlalchemy import func, select
from stdnum.cn import ric

from . import reserve, tally
from .followup import rebuild_months, reference_date
from .models.followup import FollowUpAlert, alert_period_of
from .models import (
    Cadre,
    FollowUpRecord,
    ReserveCandidate,
    Town,
    TrainingAttendance,
    TrainingSession,
    Unit,
    Village,
)
from .validators import Invalid, check_phone

TOWNS = [
    ("澧江街道", "subdistrict", "530428001"),
    ("红河街道", "subdistrict", "530428002"),
    ("甘庄街道", "subdistrict", "530428003"),
    ("因远镇", "town", "530428101"),
    ("东峨镇", "town", "530428102"),
    ("羊街乡", "township", "530428201"),
    ("那诺乡", "township", "530428202"),
    ("洼垤乡", "township", "530428203"),
    ("咪哩乡", "township", "530428204"),
    ("龙潭乡", "township", "530428205"),
    ("红光农场", "farm", "530428401"),
]

UNITS = [
    ("县委办公室", "party"), ("县委组织部", "party"), ("县委宣传部", "party"),
    ("县纪委监委", "party"), ("县人大常委会办公室", "government"),
    ("县政府办公室", "government"), ("县财政局", "government"),
    ("县农业农村局", "government"), ("县教育体育局", "government"),
    ("县卫生健康局", "government"), ("县自然资源局", "government"),
    ("县交通运输局", "government"), ("县农村信用合作联社", "enterprise"),
    ("县人民医院", "institution"),
]

VILLAGE_STEMS = [
    "安定", "都贵", "半坤", "阿寺", "瓦纳", "伴坤", "卡腊", "哈浦", "它克", "党舍",
    "西拉", "打依", "南昏", "坝木", "那诺", "猪街", "作夫", "马鹿", "龙潭", "咪哩",
    "大水平", "扎哈", "垤霞", "拉巴", "新平", "曼来", "路通", "甘坝", "清水河", "三家",
    "巴罗", "因远", "东峨", "洼垤", "羊街", "朗支", "戈垤", "浪施", "垤玛", "克垤",
    "果洛", "嘎腊", "玉台", "施垤", "那哈", "都嘎", "嘎俄", "甘岔", "牛尾", "咪支",
]

AREA_CODE = "530428"


def make_id_number(rng, birth, male):
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    body = AREA_CODE + birth.strftime("%Y%m%d") + "%03d" % seq
    return body + ric.calc_check_digit(body + "0")


def make_phone(fake):
    while True:
        try:
            return check_phone(fake.phone_number())
        except Invalid:
            continue


def is_empty(session):
    return not session.scalar(select(func.count()).select_from(Village))


def load(session, seed=2020, cadres=200):
    """Load the demo county; returns a summary dict."""
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    from .divisions import home_county_id

    county = home_county_id(session)  # the demo is one county: the installation's
    towns = [Town(name=n, kind=k, code=c, county_id=county) for n, k, c in TOWNS]
    units = []
    for name, category in UNITS:
        units.append(
            Unit(name=name, category=category, contact=fake.name(), phone=make_phone(fake), county_id=county)
        )
    session.add_all(towns + units)
    session.flush()

    villages = []
    for i, stem in enumerate(VILLAGE_STEMS):
        town = towns[i % len(towns)]
        poor = i % 3 != 2
        exit_year = None
        if poor:
            exit_year = [2017, 2017, 2018, 2019, 2020][i % 5]
        registered = rng.randrange(30, 400) if poor else rng.choice([40, 60, 85, 100, 120, 160])
        villages.append(
            Village(
                name=stem + "村",
                town=town,
                unit=units[i % len(units)],
                poverty_status="poor" if poor else "non_poor",
                exit_year=exit_year,
                registered_poor=registered,
            )
        )
    session.add_all(villages)
    session.flush()

    ids = set()
    people = []  # ids: every ID number handed out, so none repeats
    for i in range(cadres):
        male = rng.random() < 0.7
        village = villages[i % len(villages)]
        resident = i % 2 == 0
        birth = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 33))
        number = make_id_number(rng, birth, male)
        while number in ids:
            number = make_id_number(rng, birth, male)
        ids.add(number)
        start = date(2016, 1, 1) + timedelta(days=rng.randrange(0, 365 * 5))
        if resident:
            post = rng.choice(["team_leader", "first_secretary", "team_member", "team_member"])
            unit = village.unit
        else:
            post = rng.choice(["secretary", "director", "secretary_director", "committee_member"])
            unit = None
        people.append(
            Cadre(
                name=fake.name_male() if male else fake.name_female(),
                gender="male" if male else "female",
                id_number=number,
                phone=make_phone(fake),
                kind="resident" if resident else "village",
                post=post,
                unit=unit,
                village=village,
                start_date=start,
                status="left" if rng.random() < 0.08 else "active",
            )
        )
    session.add_all(people)
    sessions = load_training(session, rng, people)
    candidates = load_reserve(session, rng, fake, villages, people, ids)
    session.flush()
    load_committees(session, rng, villages, people)
    records = load_followup(session, rng, villages)
    sessions += load_training_cases(session, random.Random(seed + 1), fake, towns, people, ids)
    records += load_followup_cases(session, villages, people)
    session.flush()
    reserve.recount(session=session)
    rebuild_months(session)  # rows added here, not through the write path
    tally.rebuild(session)
    session.commit()
    return {"towns": len(towns), "units": len(units), "villages": len(villages), "cadres": len(people),
            "sessions": sessions, "candidates": candidates, "records": records}


def load_followup(session, rng, villages, today=None):
    """Three years of follow-up records (the last two and this one, up to
    today) for the villages that exited in 2017: most keep up, some decline
    so that every alert kind shows, one has no record at all."""
    today = today or reference_date()
    followed = [v for v in villages if v.exit_year == 2017]
    made = 0
    for i, village in enumerate(followed):
        if i == len(followed) - 1:
            break  # no record at all
        pattern = i % 4  # 0: steady, 1: less money, 2: fewer visits, 3: no recent visit
        for year in (today.year - 2, today.year - 1, today.year):
            this_year = year == today.year
            visits = 6
            if this_year and pattern == 2:
                visits = 1
            for k in range(visits):
                day = date(year, 1, 10) + timedelta(days=55 * k + rng.randrange(0, 20))
                if this_year and pattern == 3 and day > today - timedelta(days=120):
                    continue
                if day > today:
                    continue
                session.add(FollowUpRecord(
                    village=village, unit=village.unit, date=day, kind="visit",
                    households_visited=rng.randrange(3, 20), participants="驻村工作队",
                    description="入户走访，了解产业发展和务工情况", rectification="none"))
                made += 1
            amount = Decimal(rng.randrange(500, 3000)) / 100
            if this_year and pattern == 1:
                amount = (amount / 4).quantize(Decimal("0.01"))
            day = date(year, 3, 15)
            if day <= today:
                session.add(FollowUpRecord(
                    village=village, unit=village.unit, date=day, kind="funds", funds=amount,
                    description="帮扶资金投入", rectification="none"))
                made += 1
            day = date(year, 5, 20)
            if day <= today and rng.random() < 0.7:
                session.add(FollowUpRecord(
                    village=village, unit=village.unit, date=day, kind="project",
                    project=rng.choice(["蔬菜大棚", "芒果种植基地", "村组道路硬化", "人饮工程"]),
                    funds=Decimal(rng.randrange(1000, 8000)) / 100,
                    problems="进度偏慢" if rng.random() < 0.4 else None,
                    rectification=rng.choice(["none", "in_progress", "done"]), description="产业项目"))
                made += 1
    return made


def load_followup_cases(session, villages, people, today=None):
    """The follow-up cases the office looks for, one village each: an amount
    of 350.50 yuan (0.03505 万元), exact; a year with no record inside the
    range (listed and flagged); a village whose resident cadres have all left
    (no one there); and a focus non-poor village put in the follow-up set."""
    today = today or reference_date()
    followed = [v for v in villages if v.exit_year == 2017]
    made = 0
    first = followed[0]
    day = min(today, date(today.year, 1, 20))
    session.add(FollowUpRecord(village=first, unit=first.unit, date=day, kind="funds", funds=Decimal("0.03505"),
                               description="慰问困难户（350.50 元）", rectification="none"))
    made += 1
    # the second followed village: last year's records removed (an empty year)
    gap = followed[1]
    for record in list(session.new):
        if isinstance(record, FollowUpRecord) and record.village is gap and record.date.year == today.year - 1:
            session.expunge(record)
            made -= 1
    # the third: every resident cadre has left; the fourth: no unit stationed
    # (alerts: no one there, 摘帽不摘帮扶)
    for cadre in people:
        if cadre.village is followed[2] and cadre.kind == "resident":
            cadre.status = "left"
    followed[3].unit = None
    # an alert of last period, taken up and closed: its condition still
    # holding, the alert list opens a new one for this period
    # (the third village: its visits fell from six to one, see load_followup)
    village = followed[2]
    last_period = date(today.year, today.month, 1) - timedelta(days=1)
    session.add(FollowUpAlert(
        village=village, town=village.town, kind="fewer_visits", period=alert_period_of(last_period),
        raised_on=last_period, reason="今年截至目前走访次数少于去年同期。", status="closed",
        note="督促工作队按月走访", responsible_unit=village.unit, deadline=last_period,
        result="已约谈工作队队长，继续跟踪", closed_on=last_period))
    # a focus non-poor village joins the follow-up set at the start of last year
    focus = next(v for v in villages if v.poverty_status == "non_poor" and v.registered_poor >= 100)
    focus.followup_since = date(today.year - 1, 1, 1)
    for when, kind, funds in ((date(today.year - 1, 3, 1), "visit", None), (date(today.year - 1, 4, 1), "funds", "2.00"),
                              (date(today.year, 1, 5), "visit", None)):
        if when <= today:
            session.add(FollowUpRecord(village=focus, unit=focus.unit, date=when, kind=kind,
                                       funds=Decimal(funds) if funds else None, households_visited=None,
                                       description="重点非贫困村跟进", rectification="none"))
            made += 1
    return made


def load_reserve(session, rng, fake, villages, people, ids):
    """Candidates in most villages; some with eligibility issues, some
    villages below target."""
    mentors = {}
    for cadre in people:
        if cadre.kind == "resident":
            mentors.setdefault(cadre.village.id, cadre)
    made = 0
    for i, village in enumerate(villages):
        if i % 7 == 3:
            continue  # no candidate at all: below target
        for j in range(1 if i % 5 == 1 else rng.choice([2, 3])):
            male = rng.random() < 0.6
            birth = date(1966, 1, 1) + timedelta(days=rng.randrange(0, 365 * 35))
            number = make_id_number(rng, birth, male)
            while number in ids:
                number = make_id_number(rng, birth, male)
            ids.add(number)
            post = "both" if j == 0 else rng.choice(["secretary", "director", "member", "both"])
            political = rng.choice(["party_member"] * 5 + ["probationary", "masses", "league_member"])
            join = None
            if political in ("party_member", "probationary"):
                earliest = birth.replace(year=birth.year + 19)
                join = earliest + timedelta(days=rng.randrange(0, max((date(2020, 12, 1) - earliest).days, 1)))
            session.add(ReserveCandidate(
                village=village, name=fake.name_male() if male else fake.name_female(),
                gender="male" if male else "female", ethnicity=rng.choice(["han", "hani", "yi", "dai", "lahu"]),
                id_number=number, birth_date=birth,
                education=rng.choice(["junior_or_below", "senior_high", "senior_high", "junior_college", "bachelor"]),
                political_status=political, party_join_date=join,
                background=rng.choice(["rich_expert", "returnee_entrepreneur", "veteran", "graduate", "migrant_business", "village_cadre"]),
                phone=make_phone(fake), target_post=post, mentor=mentors.get(village.id),
                measures="跟班学习、岗位锻炼、定期谈心谈话",
                status=rng.choice(["identified", "cultivating", "cultivating", "assessed"]),
            ))
            made += 1
    return made


# The cases of the two committees and the election, in the demo clerk's town
# (因远镇: villages 3, 25, 47 have village cadres): 25 is already 一肩挑 with an
# eligible holder; in 3 nobody qualifies for 一肩挑 (holders below the
# education minimum, no candidate); in 47 and a few others the election
# is over: candidates elected and not elected, and new committees (their
# village cadres started after the election).
ALREADY_ONE_SHOULDER, NOBODY_QUALIFIES, ELECTION_OVER = 25, 3, (47, 9, 13)
ELECTED_ON = date(2021, 1, 8)


def load_committees(session, rng, villages, people):
    """Qualifications of the village cadres (some unknown), and the cases above."""
    for cadre in people:
        if cadre.kind != "village":
            continue
        if rng.random() < 0.85:
            cadre.education = rng.choice(["junior_or_below", "senior_high", "senior_high", "junior_college", "bachelor"])
        if rng.random() < 0.9:
            cadre.political_status = rng.choice(["party_member"] * 4 + ["probationary", "masses"])
            if cadre.political_status in ("party_member", "probationary"):
                born = ric.get_birth_date(cadre.id_number)
                earliest = born.replace(year=born.year + 19)
                cadre.party_join_date = earliest + timedelta(days=rng.randrange(0, max((date(2019, 12, 1) - earliest).days, 1)))
    by_village = {}
    for cadre in people:
        if cadre.kind == "village":
            by_village.setdefault(villages.index(cadre.village), []).append(cadre)
    holder, *others = by_village[ALREADY_ONE_SHOULDER]
    holder.post, holder.status, holder.education = "secretary_director", "active", "bachelor"
    if ric.get_birth_date(holder.id_number) <= date(1970, 12, 31):
        holder.id_number = make_id_number(rng, date(1978, 4, 12), holder.gender == "male")
    holder.political_status, holder.party_join_date = "party_member", date(2005, 7, 1)
    for cadre in others:
        cadre.post = "committee_member"
    for post, cadre in zip(["secretary", "director", "committee_member", "committee_member"],
                           by_village[NOBODY_QUALIFIES]):
        cadre.post, cadre.status, cadre.education = post, "active", "junior_or_below"
    # the new committees of the villages whose election is over
    for i in ELECTION_OVER + (ALREADY_ONE_SHOULDER,):
        for cadre in by_village[i]:
            cadre.start_date = ELECTED_ON + timedelta(days=2)
    candidates = session.scalars(select(ReserveCandidate).where(
        ReserveCandidate.village_id.in_([villages[i].id for i in ELECTION_OVER]))
        .order_by(ReserveCandidate.id)).all()
    for n, candidate in enumerate(candidates):
        if n % 2 == 0:
            candidate.status, candidate.elected_date = "elected", ELECTED_ON
            candidate.elected_post = candidate.target_post
        else:
            candidate.status = "not_elected"


TRAINING_SESSIONS = [
    # title, batch, organiser, start, days, hours, audience, capacity, place
    ("新任驻村干部轮训班", "2020-1", "县委组织部", date(2020, 7, 6), 3, 24, "resident", None, "县委党校"),
    ("村“两委”干部能力提升轮训班", "2020-2", "县委组织部", date(2020, 11, 16), 2, 16, "village", None, "县委党校"),
    ("乡村振兴政策专题轮训班", "2021-1", "县农业农村局", date(2021, 3, 22), 2, 12, "both", 60, "县行政中心"),
    ("驻村工作队队长轮训班", "2021-2", "县驻村办", date(2021, 6, 7), 1, 8, "resident", 40, "县委党校"),
]


def load_training(session, rng, people):
    """Sessions and attendance giving a realistic partial coverage."""
    sessions = []
    for title, batch, organiser, start, days, hours, audience, capacity, place in TRAINING_SESSIONS:
        sessions.append(TrainingSession(
            title=title, batch=batch, organiser=organiser, start_date=start,
            end_date=start + timedelta(days=days - 1), hours=hours, audience=audience,
            capacity=capacity, place=place, content="政策解读、驻村工作方法、典型经验交流",
        ))
    session.add_all(sessions)
    for cadre in people:
        if rng.random() > 0.65:
            continue  # never enrolled
        fitting = [s for s in sessions if s.admits(cadre)]
        chosen = rng.choice(fitting)
        if chosen.capacity and sum(1 for a in session.new if isinstance(a, TrainingAttendance) and a.training_session is chosen) >= chosen.capacity:
            continue
        outcome = rng.random()
        status, completed = ("attended", True) if outcome < 0.72 else (("absent", False) if outcome < 0.86 else ("excused", False))
        session.add(TrainingAttendance(training_session=chosen, cadre=cadre, status=status, completed=completed))
    return len(sessions)


TOWNSHIP_POSTS = ["town_party_secretary", "town_head", "town_deputy_secretary", "organisation_member", "town_other"]


def load_training_cases(session, rng, fake, towns, people, ids):
    """What the training rules turn on, each visible to the demo clerk:
    township cadres (乡镇干部) and their session, a session still to come
    with enrolments (and full), a completion in a session that ended before
    the cadre started (it does not count), a session whose hours are not
    known. Then the maintained `trained_on` of every cadre."""
    from .training import recompute_trained_on

    today = reference_date()
    township = []
    for i, town in enumerate(towns):
        for j in range(2):
            male = rng.random() < 0.6
            birth = date(1972, 1, 1) + timedelta(days=rng.randrange(0, 365 * 20))
            number = make_id_number(rng, birth, male)
            while number in ids:
                number = make_id_number(rng, birth, male)
            ids.add(number)
            start = date(2020, 3, 1) + timedelta(days=rng.randrange(0, 365))
            if town.name == DEMO_CLERK_TOWN and j == 0:
                start = date(2021, 10, 8)  # came after the township session: it does not count
            township.append(Cadre(
                name=fake.name_male() if male else fake.name_female(), gender="male" if male else "female",
                id_number=number, phone=make_phone(fake), kind="township",
                post=TOWNSHIP_POSTS[(2 * i + j) % len(TOWNSHIP_POSTS)], town=town,
                start_date=start, status="active"))
    session.add_all(township)
    township_session = TrainingSession(
        title="乡镇干部乡村振兴专题轮训班", batch="2021-3", organiser="县委组织部", start_date=date(2021, 9, 13),
        end_date=date(2021, 9, 15), hours=None, audience="all", capacity=None, place="县委党校",
        content="乡村振兴战略、驻村帮扶工作指导")
    upcoming = TrainingSession(
        title="新任村干部岗前轮训班", batch="%d-待开班" % (today + timedelta(days=30)).year, organiser="县委组织部",
        start_date=today + timedelta(days=30), end_date=today + timedelta(days=32), hours=20,
        audience="all", capacity=4, place="县委党校", content="岗位职责、基层治理")
    session.add_all([township_session, upcoming])
    for k, cadre in enumerate(township):
        if k % 3 != 2:  # a third of them untrained
            session.add(TrainingAttendance(training_session=township_session, cadre=cadre, status="attended",
                                           completed=True))
    # in the demo clerk's town: enrolled in the session to come (full), and a
    # completion in a session that ended before the cadre started
    clerk_town = [c for c in people if c.village is not None and c.village.town.name == DEMO_CLERK_TOWN
                  and c.status == "active"]
    for cadre in clerk_town[:upcoming.capacity]:
        session.add(TrainingAttendance(training_session=upcoming, cadre=cadre, status="enrolled", completed=False))
    session.flush()
    first = session.query(TrainingSession).filter(TrainingSession.batch == "2020-1").one()
    taken = {a.cadre_id for a in session.query(TrainingAttendance).filter(TrainingAttendance.training_session_id == first.id)}
    late = [c for c in clerk_town if c.kind == "resident" and c.start_date > first.end_date and c.id not in taken]
    for cadre in late[:2]:
        session.add(TrainingAttendance(training_session=first, cadre=cadre, status="attended", completed=True,
                                       note="开班时尚未到岗：不计入轮训"))
    session.flush()
    recompute_trained_on(session)
    return 2


DEMO_CLERK_TOWN = "因远镇"
DEMO_CLERK_UNIT = "县财政局"


def demo_users():
    """(username, role, towns, units, last name, first name) of the demo accounts."""
    return [
        ("office", "Office", [], [], "", "驻村办管理员"),
        ("inspector", "Inspector", [], [], "", "督查员"),
        ("clerk", "Clerk", [DEMO_CLERK_TOWN], [DEMO_CLERK_UNIT], "", "因远镇联络员"),
    ]

