"""Generated data at county, province or national scale, for benchmarks.

`generate(counts, seed)` bulk-inserts valid rows into every domain table:
towns, units, villages, cadres, training sessions and attendance, reserve
candidates and follow-up records. Everything the record rules (rules.py)
accept: GB 11643 ID numbers with their check digit and a real birth date
(unique), valid Chinese mobile numbers, posts that belong to the kind of
cadre, attendance within each session's capacity and audience, party join
dates after the 18th birthday, follow-up records only for the villages of
the follow-up set and dated from their exit year, amounts with two decimals.

The rows are made county by county, so memory does not grow with the row
count, and written in chunks (SQLAlchemy Core executemany; PostgreSQL COPY)
in one transaction: a failed run leaves nothing behind. The same counts and
seed give the same rows in an empty database.

Divisions. The counties are real divisions (va_division) with GB/T 2260
shaped codes, grouped in prefectures and provinces (`Counts.provinces`,
`Counts.prefectures`): the county preset makes one county in one
prefecture, the province preset one province of a dozen prefectures, the
national preset every province. A division whose code the database holds
already (the installation's own county, say) is used, not made again. Every
town and unit belongs to its county; villages carry a 12-digit statistical
area code (the county's code, the town's and the village's number).

Names. Real data repeats names across counties: many towns are called
城关镇, every county has a 县财政局; names are unique within their county
only, and the generated ones repeat so. `Naming.county_prefix` puts the
county's name in front (青山县城关镇, 青山县财政局) for a run that wants
unique names anyway. Village names are unique within their town, as the
schema requires. Persons are invented: names combine pools drawn once from
Faker zh_CN.
"""
import secrets
import string
import time
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
import random

from faker import Faker
from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.types import TypeDecorator

from .models import (
    Cadre,
    Division,
    FollowUpRecord,
    ReserveCandidate,
    ScopeAssignment,
    Town,
    TrainingAttendance,
    TrainingSession,
    Unit,
    Village,
)

DEFAULT_SEED = 20201
DEFAULT_CHUNK = 10_000

# Tables in the order they are written (parents first).
TABLES = [Division, Town, Unit, Village, TrainingSession, Cadre, TrainingAttendance, ReserveCandidate, FollowUpRecord]


@dataclass
class Counts:
    """How many rows to make. Provinces, prefectures and counties are
    divisions; a county groups towns, units and villages (and gives ID
    numbers their area code)."""

    provinces: int = 1
    prefectures: int = 1
    counties: int = 1
    towns: int = 10
    units: int = 15
    villages: int = 150
    cadres: int = 1_000
    sessions: int = 8
    candidates: int = 300
    followups: int = 1_200

    def scaled(self, factor):
        return Counts(**{f.name: max(1, round(getattr(self, f.name) * factor)) if getattr(self, f.name) else 0
                         for f in fields(self)})


PRESETS = {
    # about the demo county
    "county": Counts(),
    # a province: a hundred counties
    "province": Counts(prefectures=12, counties=100, towns=1_000, units=1_500, villages=15_000, cadres=100_000,
                       sessions=300, candidates=30_000, followups=120_000),
    # the whole country
    "national": Counts(provinces=31, prefectures=330, counties=3_000, towns=38_000, units=45_000, villages=500_000, cadres=3_000_000,
                       sessions=6_000, candidates=1_000_000, followups=4_000_000),
}


def counts_for(preset="county", scale=1.0, **explicit):
    """A preset's counts, scaled, with explicit counts (not None) overriding."""
    if not scale > 0:
        raise GenerateError("the scale must be greater than zero")
    counts = PRESETS[preset].scaled(scale) if scale != 1.0 else Counts(**vars(PRESETS[preset]))
    for name, value in explicit.items():
        if value is not None:
            if value < 0:
                raise GenerateError("%s cannot be negative" % name)
            setattr(counts, name, value)
    if counts.villages and not counts.towns:
        raise GenerateError("villages need at least one town")
    if (counts.cadres or counts.candidates or counts.followups) and not counts.villages:
        raise GenerateError("cadres, candidates and follow-up records need villages")
    if counts.counties < 1:
        raise GenerateError("at least one county")
    # every county needs a town for its villages, and villages for its people
    counts.counties = max(1, min(counts.counties, counts.towns or counts.counties,
                                 counts.villages or counts.counties))
    # every prefecture has a county, every province a prefecture
    counts.prefectures = max(1, min(counts.prefectures, counts.counties))
    counts.provinces = max(1, min(counts.provinces, counts.prefectures, len(PROVINCE_CODES)))
    if -(-counts.prefectures // counts.provinces) > 70 or -(-counts.counties // counts.prefectures) > 99:
        raise GenerateError("at most 70 prefectures in a province and 99 counties in a prefecture")
    return counts


class GenerateError(ValueError):
    """The database or the arguments do not allow the run; nothing was written."""


# --- names -----------------------------------------------------------------

COUNTY_CHARS = "青山河阳安平宁德兴华永和昌云江南北东西新龙泉石林水丰富源盛清秀景康乐长春明光金玉文武正通"
VILLAGE_CHARS = ("安都半阿瓦伴卡哈它党西拉打南坝那猪作马龙咪大扎垤巴新曼路甘清三因东洼羊朗戈浪克果嘎玉施牛"
                 "上下中前后高低坪岭沟湾塘冲坡寨营田庄河溪桥岩松柏杨柳桃李竹花凤鹤")
TOWN_STEMS = ["城关", "新城", "河口", "石桥", "龙泉", "青龙", "白沙", "黄土", "长坡", "高桥", "马街", "太平",
              "永安", "兴隆", "双河", "三岔", "大兴", "柳树", "杨柳", "东山", "西山", "南岭", "北坡", "清水",
              "金鸡", "铁厂", "水口", "平坝", "新华", "红星", "团结", "和平", "胜利", "桃源", "凤凰", "梅花"]
TOWN_KINDS = [("镇", "town", 5), ("乡", "township", 4), ("街道", "subdistrict", 1), ("农场", "farm", 1)]
# (name within a county, category); "县" is replaced by the county's name.
UNIT_NAMES = [
    ("县委办公室", "party"), ("县委组织部", "party"), ("县委宣传部", "party"), ("县委统战部", "party"),
    ("县纪委监委", "party"), ("县委政法委", "party"), ("县人大常委会办公室", "government"),
    ("县政府办公室", "government"), ("县政协办公室", "government"), ("县发展和改革局", "government"),
    ("县财政局", "government"), ("县农业农村局", "government"), ("县教育体育局", "government"),
    ("县卫生健康局", "government"), ("县自然资源局", "government"), ("县交通运输局", "government"),
    ("县水务局", "government"), ("县林业和草原局", "government"), ("县民政局", "government"),
    ("县人力资源和社会保障局", "government"), ("县住房和城乡建设局", "government"),
    ("县生态环境分局", "government"), ("县商务局", "government"), ("县文化和旅游局", "government"),
    ("县市场监督管理局", "government"), ("县应急管理局", "government"), ("县审计局", "government"),
    ("县统计局", "government"), ("县医疗保障局", "government"), ("县退役军人事务局", "government"),
    ("县公安局", "government"), ("县人民法院", "institution"), ("县人民检察院", "institution"),
    ("县人民医院", "institution"), ("县中医医院", "institution"), ("县疾病预防控制中心", "institution"),
    ("县第一中学", "institution"), ("县职业高级中学", "institution"), ("县委党校", "institution"),
    ("县融媒体中心", "institution"), ("县农村信用合作联社", "enterprise"), ("县供电局", "enterprise"),
    ("县自来水公司", "enterprise"), ("县邮政分公司", "enterprise"), ("县烟草专卖局", "enterprise"),
    ("县总工会", "other"), ("县妇联", "other"), ("团县委", "other"), ("县工商联", "other"), ("县科协", "other"),
]
SESSION_TITLES = ["新任驻村干部轮训班", "村“两委”干部能力提升轮训班", "乡村振兴政策专题轮训班",
                  "驻村工作队队长轮训班", "第一书记示范培训班", "巩固脱贫攻坚成果专题培训班",
                  "农村基层党建专题轮训班", "产业发展实用技术培训班"]
PROJECTS = ["蔬菜大棚", "芒果种植基地", "村组道路硬化", "人饮工程", "茶叶初制所", "生猪养殖场", "农产品冷库",
            "光伏电站", "民族文化活动室", "灌溉沟渠修缮", "电商服务站", "中药材种植基地"]
PROBLEMS = ["进度偏慢", "资金拨付滞后", "群众参与不足", "管护责任未落实", "台账资料不全"]
MEASURES = ["跟班学习、岗位锻炼、定期谈心谈话", "挂职锻炼、参加轮训", "结对帮带、参与村务管理"]
PROVINCE_CODES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
                  "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"]
PROVINCE_NAMES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区", "21": "辽宁省",
    "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省",
    "35": "福建省", "36": "江西省", "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省",
    "44": "广东省", "45": "广西壮族自治区", "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省",
    "53": "云南省", "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
}
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "155", "156", "157", "158", "159", "177", "180", "181", "182", "183", "185", "186", "187",
                   "188", "189", "199"]
ETHNICITY = [("han", 70), ("yi", 6), ("hani", 6), ("dai", 4), ("zhuang", 4), ("miao", 3), ("hui", 3),
             ("lahu", 2), ("bai", 2)]
AUDIENCE = [("resident", 4), ("village", 4), ("both", 2)]
TOWN_KIND = [((suffix, kind), weight) for suffix, kind, weight in TOWN_KINDS]
RESIDENT_POST = [("team_leader", 2), ("first_secretary", 2), ("team_member", 6)]
VILLAGE_POST = [("secretary", 2), ("director", 1), ("secretary_director", 2), ("committee_member", 5)]
POLITICAL = [("party_member", 55), ("probationary", 10), ("league_member", 10), ("masses", 23),
             ("democratic_party", 2)]
TARGET_POST = [("both", 3), ("secretary", 2), ("director", 2), ("member", 4)]
CANDIDATE_STATUS = [("identified", 25), ("cultivating", 40), ("assessed", 15), ("elected", 10),
                    ("not_elected", 5), ("withdrawn", 5)]
EDUCATION = [("junior_or_below", 20), ("senior_high", 40), ("junior_college", 25), ("bachelor", 14),
             ("postgraduate", 1)]
BACKGROUND = [("rich_expert", 3), ("returnee_entrepreneur", 2), ("veteran", 1), ("graduate", 2),
              ("migrant_business", 2), ("village_cadre", 3), ("other", 1)]
FOLLOWUP_KIND = [("visit", 50), ("funds", 20), ("project", 10), ("industry", 8), ("policy", 7), ("other", 5)]


@dataclass
class Naming:
    """How generated names are made. With `county_prefix` towns and units
    carry their county's name (unique across counties, as real names are not)."""

    county_prefix: bool = False

    def town(self, county, stem_and_suffix):
        return county + stem_and_suffix if self.county_prefix else stem_and_suffix

    def unit(self, county, name):
        if not self.county_prefix:
            return name
        if name.startswith("县"):
            return county + name[1:]
        return name.replace("县", county, 1)  # 团县委 -> 团青山县委


PREFIXED = Naming(county_prefix=True)  # free text naming a county's unit (a session's organiser)


class Rng(random.Random):
    """random.Random with faster `choice` and `randrange` (no step): the
    generator calls them tens of millions of times."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randrange(self, start, stop=None):
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))


class Weights:
    """A choice with integer weights, made by one draw from an expanded list."""

    def __init__(self, pairs):
        self.items = [value for value, weight in pairs for _ in range(weight)]

    def pick(self, rng):
        return self.items[int(rng.random() * len(self.items))]


(ETHNICITY, AUDIENCE, TOWN_KIND, RESIDENT_POST, VILLAGE_POST, POLITICAL, TARGET_POST, CANDIDATE_STATUS, EDUCATION,
 BACKGROUND, FOLLOWUP_KIND) = [Weights(pairs) for pairs in (
    ETHNICITY, AUDIENCE, TOWN_KIND, RESIDENT_POST, VILLAGE_POST, POLITICAL, TARGET_POST, CANDIDATE_STATUS, EDUCATION,
    BACKGROUND, FOLLOWUP_KIND)]


def _pairs(chars, rng):
    combos = [a + b for a in chars for b in chars if a != b]
    rng.shuffle(combos)
    return combos


class Pools:
    """Precomputed names (Faker is too slow to call per row)."""

    def __init__(self, seed, size=3_000):
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        self.surnames = [fake.last_name() for _ in range(size)]
        self.male = [fake.first_name_male() for _ in range(size)]
        self.female = [fake.first_name_female() for _ in range(size)]

    def person(self, rng, male):
        return rng.choice(self.surnames) + rng.choice(self.male if male else self.female)


# --- ID numbers and phones ---------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_DAY_TEXT = {}


def check_digit(body):
    """GB 11643 check character of the first 17 digits."""
    return _CHECK[sum(int(c) * w for c, w in zip(body, _WEIGHTS)) % 11]


def day_text(ordinal):
    text = _DAY_TEXT.get(ordinal)
    if text is None:
        text = _DAY_TEXT[ordinal] = date.fromordinal(ordinal).strftime("%Y%m%d")
    return text


_DAY_SUM = {}


def _digit_sum(text, weights):
    return sum(int(c) * w for c, w in zip(text, weights))


class IdNumbers:
    """Unique ID numbers within one county (its own area code); counties
    never share an area code, so numbers are unique across the run. The
    check digit is computed from weighted sums of the parts, kept per
    area and per day."""

    def __init__(self, area):
        self.area = area
        self.area_sum = _digit_sum(area, _WEIGHTS[:6])
        self.used = set()

    def make(self, rng, birth_ordinal, male):
        while True:
            seq = rng.randrange(500) * 2 + (1 if male else 0)
            key = (birth_ordinal, seq)
            if key not in self.used:
                self.used.add(key)
                break
            birth_ordinal += 1  # this day's numbers are taken: the next day
        day = day_text(birth_ordinal)
        day_sum = _DAY_SUM.get(birth_ordinal)
        if day_sum is None:
            day_sum = _DAY_SUM[birth_ordinal] = _digit_sum(day, _WEIGHTS[6:14])
        total = self.area_sum + day_sum + (seq // 100) * _WEIGHTS[14] + (seq // 10 % 10) * _WEIGHTS[15] \
            + (seq % 10) * _WEIGHTS[16]
        return "%s%s%03d%s" % (self.area, day, seq, _CHECK[total % 11]), birth_ordinal


def mobile(rng):
    return rng.choice(MOBILE_PREFIXES) + "%08d" % rng.randrange(100_000_000)


AREA_CAPACITY = len(PROVINCE_CODES) * 70 * 99


def area_code(index):
    """A distinct six-digit area code for each index below AREA_CAPACITY."""
    province = PROVINCE_CODES[index % len(PROVINCE_CODES)]
    rest = index // len(PROVINCE_CODES)
    return "%s%02d%02d" % (province, rest // 99 + 1, rest % 99 + 1)


def share(total, parts, index):
    """The index-th of `parts` near-equal shares of `total`."""
    return total // parts + (1 if index < total % parts else 0)


def years_after(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, month=3, day=1)


# --- writing -----------------------------------------------------------------


class Writer:
    """Buffers one table's rows and writes them in chunks: COPY on
    PostgreSQL, Core executemany elsewhere. Counts rows and the seconds
    spent making and writing them."""

    def __init__(self, conn, model, chunk, use_copy, clock):
        self.conn = conn
        self.clock = clock
        self.table = model.__table__
        self.columns = [c.name for c in self.table.columns]
        self.chunk = chunk
        self.use_copy = use_copy
        self.rows = []
        self.written = 0
        self.seconds = 0.0
        self.parents = []  # writers of the tables this one refers to: flushed first
        dialect = conn.dialect
        # TypeDecorator columns (Money) are converted here for COPY
        self.converters = [
            (i, c.type) for i, c in enumerate(self.table.columns) if isinstance(c.type, TypeDecorator)
        ]
        self.dialect = dialect

    def add(self, row):
        self.rows.append(row)
        if len(self.rows) >= self.chunk:
            self.flush()

    def flush(self):
        for parent in self.parents:
            parent.flush()
        if not self.rows:
            return
        with Timer(self):
            if self.use_copy:
                self._copy()
            else:
                self.conn.execute(self.table.insert(), [dict(zip(self.columns, r)) for r in self.rows])
            self.written += len(self.rows)
            self.rows = []

    def _copy(self):
        raw = self.conn.connection.driver_connection
        sql = "COPY %s (%s) FROM STDIN" % (self.table.name, ", ".join(self.columns))
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in self.rows:
                if self.converters:
                    row = list(row)
                    for i, type_ in self.converters:
                        row[i] = type_.process_bind_param(row[i], self.dialect)
                copy.write_row(row)


class Clock:
    """Gives each moment to one writer: the seconds of a table are the time
    spent making and writing its rows only, even when nested."""

    def __init__(self):
        self.current = None
        self.since = time.perf_counter()

    def switch(self, writer):
        now = time.perf_counter()
        if self.current is not None:
            self.current.seconds += now - self.since
        previous, self.current, self.since = self.current, writer, now
        return previous


class Timer:
    """Charge the time of a block to a writer (and back to the previous one after)."""

    def __init__(self, writer):
        self.writer = writer

    def __enter__(self):
        self.previous = self.writer.clock.switch(self.writer)

    def __exit__(self, *exc):
        self.writer.clock.switch(self.previous)


# --- the run -----------------------------------------------------------------


def peak_memory():
    """This process's peak resident memory, e.g. "171 MB" ("?" where unknown)."""
    try:
        import resource
    except ImportError:  # not on Unix
        return "?"
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return "%d MB" % (kib // 1024)


def domain_row_counts(conn):
    """Rows of the domain tables (divisions are not counted: the
    installation's own county is there from the start)."""
    return {model.__tablename__: conn.scalar(select(func.count()).select_from(model))
            for model in TABLES if model is not Division}


def admin_user_id(conn):
    """The first user holding the Admin role, or None (read on `conn`: on
    SQLite another connection's open read would block the writes)."""
    sm = current_app.appbuilder.sm
    role, user = sm.role_model, sm.user_model
    link = user.roles.property.secondary
    return conn.scalar(
        select(func.min(link.c.user_id)).join(role.__table__, role.__table__.c.id == link.c.role_id)
        .where(role.__table__.c.name == current_app.config.get("AUTH_ROLE_ADMIN", "Admin"))
    )


@dataclass
class Settings:
    """What the rows depend on, read from the application's configuration."""

    today: date
    followup_years: list
    new_cadre_since: date
    election_date: date

    @classmethod
    def from_app(cls):
        from . import settings

        return cls(
            today=settings.get("VILLAGEAID_REFERENCE_DATE") or date.today(),
            followup_years=list(settings.get("VILLAGEAID_FOLLOWUP_EXIT_YEARS")),
            new_cadre_since=settings.get("VILLAGEAID_NEW_CADRE_SINCE"),
            election_date=settings.get("VILLAGEAID_ELECTION_DATE"),
        )


@dataclass
class County:
    index: int
    name: str
    area: str  # the county's division code (and ID numbers' area code)
    id: int = None  # its division's id
    town_ids: list = field(default_factory=list)
    unit_ids: list = field(default_factory=list)
    # per village: (id, town id, unit id or None, exit year or None)
    villages: list = field(default_factory=list)


class Generator:
    def __init__(self, conn, counts, seed=DEFAULT_SEED, chunk=DEFAULT_CHUNK, echo=print, naming=None,
                 settings=None, user_id=None):
        self.conn = conn
        self.counts = counts
        self.seed = seed
        self.echo = echo
        self.naming = naming or Naming()
        self.settings = settings or Settings.from_app()
        self.user_id = user_id
        use_copy = conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"
        clock = Clock()
        self.writers = {model: Writer(conn, model, chunk, use_copy, clock) for model in TABLES}
        for i, model in enumerate(TABLES):
            self.writers[model].parents = [self.writers[m] for m in TABLES[:i]]
        self.next_id = {
            model: (conn.scalar(select(func.max(model.__table__.c.id))) or 0) + 1 for model in TABLES
        }
        self.first_ids = dict(self.next_id)
        self.pools = Pools(seed)
        rng = Rng("%s:names" % seed)
        self.county_names = _pairs(COUNTY_CHARS, rng)
        self.village_stems = _pairs(VILLAGE_CHARS, rng)
        self.area_offset = rng.randrange(AREA_CAPACITY)
        self.prefecture_names = _pairs(COUNTY_CHARS, rng)
        self.province_offset = rng.randrange(len(PROVINCE_CODES))
        self.county_ids = {}  # county index -> division id
        followed = self.settings.followup_years
        self.exit_years = Weights([(y, 10) for y in sorted({2014, 2015, 2016, 2018, 2019, 2020} - set(followed))]
                                  + [(y, 30) for y in followed])
        if counts.counties > AREA_CAPACITY:
            raise GenerateError("at most %d counties" % AREA_CAPACITY)
        self.existing_divisions = dict(conn.execute(select(Division.code, Division.id)).all())

    # ids, stamps
    def take_id(self, model):
        value = self.next_id[model]
        self.next_id[model] += 1
        return value

    def audit(self, when):
        """created_on, changed_on, created_by_fk, changed_by_fk, row_version,
        and deleted_on, deleted_by_fk (nothing generated is in the recycle bin)."""
        return (when, when, self.user_id, self.user_id, 1, None, None)

    def county(self, index):
        base = self.county_names[index % len(self.county_names)]
        lap = index // len(self.county_names)
        name = base + ("%d" % (lap + 1) if lap else "") + "县"
        prefecture = index * self.counts.prefectures // self.counts.counties
        first = -(-prefecture * self.counts.counties // self.counts.prefectures)  # its first county
        code = self.prefecture_code(prefecture)[:4] + "%02d" % (index - first + 1)
        return County(index, name, code, self.county_ids.get(index))

    def province_code(self, province):
        return PROVINCE_CODES[(province + self.province_offset) % len(PROVINCE_CODES)] + "0000"

    def prefecture_code(self, prefecture):
        c = self.counts
        province = prefecture * c.provinces // c.prefectures
        first = -(-province * c.prefectures // c.provinces)  # the province's first prefecture
        return self.province_code(province)[:2] + "%02d00" % (prefecture - first + 1)

    def prefecture_name(self, prefecture):
        base = self.prefecture_names[prefecture % len(self.prefecture_names)]
        lap = prefecture // len(self.prefecture_names)
        return base + ("%d" % (lap + 1) if lap else "") + "市"

    def make_divisions(self):
        """Provinces, prefectures and counties (those the database holds
        already are used as they are)."""
        writer = self.writers[Division]
        when = datetime(2016, 1, 4, 8, 0)
        ids = dict(self.existing_divisions)

        def add(code, name, level, parent):
            if code not in ids:
                ids[code] = self.take_id(Division)
                writer.add((ids[code], code, name, level, parent) + self.audit(when)[:5])
            return ids[code]

        with Timer(writer):
            c = self.counts
            for province in range(c.provinces):
                code = self.province_code(province)
                add(code, PROVINCE_NAMES[code[:2]], "province", None)
            for prefecture in range(c.prefectures):
                code = self.prefecture_code(prefecture)
                add(code, self.prefecture_name(prefecture), "prefecture", ids[code[:2] + "0000"])
            for index in range(c.counties):
                county = self.county(index)
                self.county_ids[index] = add(county.area, county.name, "county", ids[county.area[:4] + "00"])

    def conflicts(self):
        """Counties or ID area codes that rows already in the database use:
        such a run would break a unique constraint (a county the database
        holds may be used only while it has no towns or units)."""
        counties = [self.county(i) for i in range(self.counts.counties)]
        areas = {c.area for c in counties}
        found = []
        for model in (Town, Unit):
            used = select(Division.code).join(model, model.county_id == Division.id).where(
                Division.code.in_(sorted(areas))).limit(1)
            for (code,) in self.conn.execute(used):
                found.append(code)
        for column in (Cadre.id_number, ReserveCandidate.id_number, Town.code, Village.area_code):
            prefix = func.substr(column, 1, 6)
            for (code,) in self.conn.execute(select(prefix).where(column.isnot(None)).distinct()):
                if code in areas:
                    found.append(code)
                    break
        return found

    def run(self):
        c = self.counts
        started = time.perf_counter()
        self.make_divisions()
        self.make_sessions()
        last_report = time.perf_counter()
        for index in range(c.counties):
            county = self.county(index)
            rng = Rng("%s:county:%d" % (self.seed, index))
            self.make_towns(county, rng, share(c.towns, c.counties, index))
            self.make_units(county, rng, share(c.units, c.counties, index))
            self.make_villages(county, rng, share(c.villages, c.counties, index))
            ids = IdNumbers(county.area)  # cadres and candidates of the county: distinct numbers
            residents = self.make_cadres(county, rng, share(c.cadres, c.counties, index), ids)
            self.make_candidates(county, rng, share(c.candidates, c.counties, index), residents, ids)
            self.make_followups(county, rng, share(c.followups, c.counties, index))
            if time.perf_counter() - last_report > 5 or index == c.counties - 1:
                last_report = time.perf_counter()
                self.progress(index + 1, time.perf_counter() - started)
        for writer in self.writers.values():
            writer.flush()
        self.set_trained_on()
        self.fix_sequences()
        from .reserve import recount

        recount(session=self.conn)  # the villages' maintained reserve counts
        return self.summary(time.perf_counter() - started)

    def progress(self, counties_done, seconds):
        parts = ["%s %s" % (w.table.name[3:], format(w.written + len(w.rows), ",")) for w in self.writers.values()]
        self.echo("  %d/%d counties, %.0f s, peak memory %s: %s"
                  % (counties_done, self.counts.counties, seconds, peak_memory(), "; ".join(parts)))

    def summary(self, seconds):
        result = {}
        for model, writer in self.writers.items():
            result[model.__tablename__] = (writer.written, writer.seconds)
        result["total"] = (sum(w.written for w in self.writers.values()), seconds)
        return result

    def set_trained_on(self):
        """The maintained date each generated cadre became trained."""
        from .training import trained_on_update

        # statistics of the rows just written (this transaction's): without
        # them the planner takes the tables for empty and may read the whole
        # attendance table once per cadre (and, in the recount that follows,
        # the candidates once per village)
        analysed = ["va_cadre", "va_training_attendance", "va_training_session", "va_village", "va_reserve_candidate"]
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("ANALYZE " + ", ".join(analysed)))
        elif self.conn.dialect.name == "sqlite":
            for table in analysed:
                self.conn.execute(text("ANALYZE " + table))
        self.conn.execute(trained_on_update().where(Cadre.__table__.c.id >= self.first_ids[Cadre]))

    def fix_sequences(self):
        """PostgreSQL: move each id sequence past the ids written here."""
        if self.conn.dialect.name != "postgresql":
            return
        for model in TABLES:
            name = model.__tablename__
            self.conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT COALESCE(MAX(id), 1) FROM %s))"
                % (name, name)
            )

    # --- tables ---
    def make_sessions(self):
        writer = self.writers[TrainingSession]
        rng = Rng("%s:sessions" % self.seed)
        today = self.settings.today
        first, last = date(2016, 3, 1).toordinal(), (today - timedelta(days=14)).toordinal()
        self.sessions = {"resident": [], "village": []}
        self.capacity = {}
        taken = set()  # sessions are unique by title and start date
        with Timer(writer):
            for i in range(self.counts.sessions):
                county = self.county(rng.randrange(self.counts.counties))
                start = date.fromordinal(rng.randrange(first, last))
                days = rng.choice([1, 2, 2, 3, 3, 5])
                audience = AUDIENCE.pick(rng)
                capacity = None if rng.random() < 0.6 else 10 * rng.randrange(4, 40)
                sid = self.take_id(TrainingSession)
                title = rng.choice(SESSION_TITLES)
                while (title, start) in taken:
                    start -= timedelta(days=1)
                taken.add((title, start))
                writer.add((sid, title, "%d-%d" % (start.year, i % 9 + 1),
                            PREFIXED.unit(county.name, "县委组织部"), start, start + timedelta(days=days - 1),
                            PREFIXED.unit(county.name, "县委党校"), Decimal(days * 8), audience, capacity,
                            "政策解读、驻村工作方法、典型经验交流")
                           + self.audit(datetime.combine(start - timedelta(days=20), datetime.min.time())))
                for kind in ("resident", "village"):
                    if audience in (kind, "both"):
                        self.sessions[kind].append((sid, start))
                if capacity:
                    self.capacity[sid] = capacity

    def make_towns(self, county, rng, n):
        writer = self.writers[Town]
        when = datetime(2016, 1, 4, 9, 0)
        with Timer(writer):
            stems = TOWN_STEMS[:]
            rng.shuffle(stems)
            stems.remove("城关")
            stems.insert(0, "城关")  # the county seat
            for i in range(n):
                stem = stems[i % len(stems)] + ("%d" % (i // len(stems) + 1) if i >= len(stems) else "")
                suffix, kind = ("镇", "town") if i == 0 else TOWN_KIND.pick(rng)
                tid = self.take_id(Town)
                county.town_ids.append(tid)
                writer.add((tid, self.naming.town(county.name, stem + suffix), kind,
                            "%s%03d" % (county.area, i + 1), county.id) + self.audit(when))

    def make_units(self, county, rng, n):
        writer = self.writers[Unit]
        when = datetime(2016, 1, 4, 9, 30)
        with Timer(writer):
            for i in range(n):
                name, category = UNIT_NAMES[i % len(UNIT_NAMES)]
                if i >= len(UNIT_NAMES):
                    name = name + "第%d分支" % (i // len(UNIT_NAMES) + 1)
                uid = self.take_id(Unit)
                county.unit_ids.append(uid)
                male = rng.random() < 0.6
                writer.add((uid, self.naming.unit(county.name, name), category, self.pools.person(rng, male),
                            mobile(rng), county.id) + self.audit(when))

    def make_villages(self, county, rng, n):
        writer = self.writers[Village]
        if n and not county.town_ids:
            raise GenerateError("villages need at least one town in each county: give more towns")
        when = datetime(2016, 1, 5, 9, 0)
        with Timer(writer):
            towns = county.town_ids
            per_town = {}
            for i in range(n):
                town_number = i * len(towns) // n
                town = towns[town_number]
                k = per_town.get(town, 0)
                per_town[town] = k + 1
                if k == 0:
                    offset = rng.randrange(len(self.village_stems))
                stem = self.village_stems[(offset + k) % len(self.village_stems)]
                lap = (offset + k) // len(self.village_stems)  # more villages than stems: number them
                name = stem + ("%d" % lap if k >= len(self.village_stems) else "") + \
                    ("社区" if rng.random() < 0.05 else "村")
                unit = rng.choice(county.unit_ids) if county.unit_ids and rng.random() < 0.9 else None
                if rng.random() < 0.4:
                    status, exit_year, poor = "poor", self.exit_years.pick(rng), rng.randrange(50, 800)
                else:
                    status, exit_year = "non_poor", None
                    poor = rng.randrange(100, 320) if rng.random() < 0.3 else rng.randrange(0, 100)
                vid = self.take_id(Village)
                county.villages.append((vid, town, unit, exit_year))
                # reserve counts: kept by reserve.recount at the end; not a focus village in the set
                # 统计用区划代码: the county's code, the town's number, the village's
                area = "%s%03d%03d" % (county.area, town_number + 1, k + 1) if town_number < 999 and k < 999 else None
                writer.add((vid, name, town, unit, status, exit_year, poor, 0, 0, 0, 0, 0, None, area)
                           + self.audit(when))

    def party_standing(self, rng, birth):
        """(political status, party join date) of a person born on `birth`."""
        political = POLITICAL.pick(rng)
        join = None
        if political in ("party_member", "probationary"):
            earliest = years_after(birth, 18).toordinal() + 1
            latest = (self.settings.today - timedelta(days=30)).toordinal()
            if earliest < latest:
                join = date.fromordinal(rng.randrange(earliest, latest))
        return political, join

    def make_cadres(self, county, rng, n, ids):
        """Cadres and their attendance; returns {village id: [resident cadre ids]}."""
        writer, attendance = self.writers[Cadre], self.writers[TrainingAttendance]
        residents = {}
        if n and not county.villages:
            raise GenerateError("cadres need villages in each county: give more villages")
        born_first, born_last = date(1962, 1, 1).toordinal(), date(1998, 12, 31).toordinal()
        start_first = date(2015, 1, 1).toordinal()
        start_last = self.settings.today.toordinal()
        with Timer(writer):
            for _i in range(n):
                vid, _town, vunit, _exit = rng.choice(county.villages)
                male = rng.random() < 0.7
                number, birth = ids.make(rng, rng.randrange(born_first, born_last), male)
                start = date.fromordinal(rng.randrange(start_first, start_last))
                cid = self.take_id(Cadre)
                if county.unit_ids and rng.random() < 0.4:
                    kind = "resident"
                    post = RESIDENT_POST.pick(rng)
                    unit = vunit if vunit is not None and rng.random() < 0.8 else rng.choice(county.unit_ids)
                    residents.setdefault(vid, []).append(cid)
                    qualifications = (None, None, None)
                else:
                    kind = "village"
                    post = VILLAGE_POST.pick(rng)
                    unit = None
                    # judged like reserve candidates (the two committees)
                    qualifications = (EDUCATION.pick(rng), *self.party_standing(rng, date.fromordinal(birth)))
                writer.add((cid, self.pools.person(rng, male), "male" if male else "female", number, mobile(rng),
                            kind, post, unit, vid, start, "left" if rng.random() < 0.08 else "active",
                            None, None)  # own town (township cadres only), trained_on (set at the end)
                           + qualifications
                           + self.audit(datetime.combine(start, datetime.min.time()) + timedelta(hours=9)))
                with Timer(attendance):
                    self.attend(rng, cid, kind)
        return residents

    def attend(self, rng, cadre_id, kind):
        """One or two sessions of the cadre's audience, within capacity."""
        writer = self.writers[TrainingAttendance]
        sessions = self.sessions[kind]
        if not sessions or rng.random() < 0.3:
            return
        chosen = set()
        for _ in range(1 if rng.random() < 0.8 else 2):
            sid, start = rng.choice(sessions)
            if sid in chosen or self.capacity.get(sid, 1) <= 0:
                continue
            chosen.add(sid)
            if sid in self.capacity:
                self.capacity[sid] -= 1
            outcome = rng.random()
            if (self.settings.today - start).days < 30 and outcome < 0.3:
                status, completed = "enrolled", False
            elif outcome < 0.75:
                status, completed = "attended", rng.random() < 0.95
            else:
                status, completed = ("absent", False) if outcome < 0.9 else ("excused", False)
            writer.add((self.take_id(TrainingAttendance), sid, cadre_id, status, completed, None)
                       + self.audit(datetime.combine(start, datetime.min.time()) - timedelta(days=7)))

    def make_candidates(self, county, rng, n, residents, ids):
        writer = self.writers[ReserveCandidate]
        if n and not county.villages:
            raise GenerateError("candidates need villages in each county: give more villages")
        born_first, born_last = date(1966, 1, 1).toordinal(), date(2002, 12, 31).toordinal()
        today = self.settings.today
        election = self.settings.election_date
        elected_day = election if election <= today else today
        with Timer(writer):
            for _i in range(n):
                vid, _town, _unit, _exit = rng.choice(county.villages)
                male = rng.random() < 0.65
                number, birth_ordinal = ids.make(rng, rng.randrange(born_first, born_last), male)
                birth = date.fromordinal(birth_ordinal)
                if rng.random() < 0.05:
                    number = None  # not given: the birth date alone
                political, join = self.party_standing(rng, birth)
                post = TARGET_POST.pick(rng)
                status = CANDIDATE_STATUS.pick(rng)
                elected_post, elected_date = (post, elected_day) if status == "elected" else (None, None)
                mentors = residents.get(vid)
                writer.add((self.take_id(ReserveCandidate), vid, self.pools.person(rng, male),
                            "male" if male else "female", ETHNICITY.pick(rng), number, birth,
                            EDUCATION.pick(rng),
                            political, join,
                            BACKGROUND.pick(rng),
                            mobile(rng), post, rng.choice(mentors) if mentors and rng.random() < 0.7 else None,
                            rng.choice(MEASURES), status, elected_post, elected_date, None)
                           + self.audit(datetime(2020, 3, 1, 9) + timedelta(minutes=rng.randrange(300_000))))

    def make_followups(self, county, rng, n):
        writer = self.writers[FollowUpRecord]
        years = set(self.settings.followup_years)
        followed = [v for v in county.villages if v[3] in years]
        # about one village in twenty keeps no record (the "no record" alert)
        followed = [v for v in followed if rng.random() >= 0.05] or followed
        if not followed:
            self._carry = getattr(self, "_carry", 0) + n  # no follow-up village here: the next county
            return
        n += getattr(self, "_carry", 0)
        self._carry = 0
        last = self.settings.today.toordinal()
        with Timer(writer):
            for _i in range(n):
                vid, _town, unit, exit_year = rng.choice(followed)
                day = date.fromordinal(rng.randrange(date(exit_year, 1, 1).toordinal(), last + 1))
                kind = FOLLOWUP_KIND.pick(rng)
                funds = project = households = participants = problems = None
                rectification = "none"
                if kind == "visit":
                    households, participants = rng.randrange(1, 31), "驻村工作队"
                    description = "入户走访，了解产业发展和务工情况"
                elif kind == "funds":
                    funds, description = Decimal(rng.randrange(50, 50_000)).scaleb(-2), "帮扶资金投入"
                elif kind == "project":
                    project = rng.choice(PROJECTS)
                    funds, description = Decimal(rng.randrange(500, 200_000)).scaleb(-2), "产业项目"
                else:
                    description = {"industry": "产业发展指导", "policy": "政策落实情况检查", "other": "其他帮扶工作"}[kind]
                if rng.random() < 0.15:
                    problems = rng.choice(PROBLEMS)
                    rectification = "done" if rng.random() < 0.6 else "in_progress"
                writer.add((self.take_id(FollowUpRecord), vid, day, kind, unit, funds, project, households,
                            participants, description, problems, rectification)
                           + self.audit(datetime.combine(day, datetime.min.time()) + timedelta(hours=17)))


def column_order_check():
    """The tuples above follow each table's column order; fail loudly if a
    migration changes it (a new column needs a value here)."""
    expected = {
        Division: ["id", "code", "name", "level", "parent_id"],
        Town: ["id", "name", "kind", "code", "county_id"],
        Unit: ["id", "name", "category", "contact", "phone", "county_id"],
        Village: ["id", "name", "town_id", "unit_id", "poverty_status", "exit_year", "registered_poor",
                  "candidate_count", "secretary_count", "director_count", "both_count", "member_count",
                  "followup_since", "area_code"],
        TrainingSession: ["id", "title", "batch", "organiser", "start_date", "end_date", "place", "hours",
                          "audience", "capacity", "content"],
        Cadre: ["id", "name", "gender", "id_number", "phone", "kind", "post", "unit_id", "village_id",
                "start_date", "status", "own_town_id", "trained_on", "education", "political_status",
                "party_join_date"],
        TrainingAttendance: ["id", "training_session_id", "cadre_id", "status", "completed", "note"],
        ReserveCandidate: ["id", "village_id", "name", "gender", "ethnicity", "id_number", "birth_date",
                           "education", "political_status", "party_join_date", "background", "phone",
                           "target_post", "mentor_id", "measures", "status", "elected_post", "elected_date",
                           "notes"],
        FollowUpRecord: ["id", "village_id", "date", "kind", "unit_id", "funds", "project",
                         "households_visited", "participants", "description", "problems", "rectification"],
    }
    audit = ["created_on", "changed_on", "created_by_fk", "changed_by_fk", "row_version", "deleted_on", "deleted_by_fk"]
    for model, names in expected.items():
        actual = [c.name for c in model.__table__.columns]
        if actual != names + (audit[:5] if model is Division else audit):
            raise GenerateError("the generator does not know the columns of %s: %s"
                                % (model.__tablename__, ", ".join(actual)))


def generate(counts, seed=DEFAULT_SEED, chunk=DEFAULT_CHUNK, force=False, echo=print, naming=None):
    """Write generated rows in one transaction; returns {table: (rows, seconds)}.

    Refuses (GenerateError) a database already holding domain rows unless
    `force`, and a run whose names or ID area codes rows already use."""
    column_order_check()
    engine = current_app.appbuilder.session.get_bind()
    current_app.appbuilder.session.remove()
    with engine.begin() as conn:
        existing = {k: v for k, v in domain_row_counts(conn).items() if v}
        if existing and not force:
            raise GenerateError(
                "the database already holds rows (%s): give --yes to add generated rows to them"
                % ", ".join("%s %d" % item for item in existing.items())
            )
        generator = Generator(conn, counts, seed=seed, chunk=chunk, echo=echo, naming=naming,
                              user_id=admin_user_id(conn))
        if existing:
            clash = generator.conflicts()
            if clash:
                raise GenerateError("rows already in the database use generated names or ID area codes "
                                    "(%s): choose another --seed" % ", ".join(clash))
        result = generator.run()
        from .followup import rebuild_months
        rebuild_months(conn)  # the monthly sums of the records written around the write path
        from . import tally
        tally.rebuild(conn)  # and the training figures per group of cadres
        return result


# --- clerks for benchmarks -----------------------------------------------------

PASSWORD_SYMBOLS = "!#$%&*+-=?@^_"


def strong_password(length=16):
    """Random, at least 12 characters, with upper, lower, digit and symbol."""
    length = max(length, 12)
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, PASSWORD_SYMBOLS]
    chars = [secrets.choice(c) for c in classes]
    every = "".join(classes)
    chars += [secrets.choice(every) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _visible_cadres(session, towns, units):
    village = select(Village.id).where(Village.town_id.in_(towns) | Village.unit_id.in_(units))
    return session.scalar(
        select(func.count()).select_from(Cadre).where(Cadre.unit_id.in_(units) | Cadre.village_id.in_(village))
    )


def make_clerks(n, target, prefix="clerk"):
    """N Clerk users, alternately scoped to towns and to units, each given
    consecutive towns (or units) until it sees about `target` cadres (one
    town or unit when that is already enough). Returns
    [(username, password or None if it existed, scope names, cadres seen)]."""
    from . import bootstrap

    session = current_app.appbuilder.session
    # end the session's transaction: the rows were written on another
    # connection, and a snapshot taken before (office parameters are read
    # from the database) would not see them under REPEATABLE READ (MariaDB)
    session.commit()
    by_town = session.execute(
        select(Village.town_id, func.count(Cadre.id)).join(Cadre, Cadre.village_id == Village.id)
        .group_by(Village.town_id).order_by(Village.town_id)).all()
    by_unit = dict(session.execute(
        select(Cadre.unit_id, func.count()).where(Cadre.unit_id.isnot(None)).group_by(Cadre.unit_id)).all())
    stationed = session.execute(
        select(Village.unit_id, func.count(Cadre.id)).join(Cadre, Cadre.village_id == Village.id)
        .where(Village.unit_id.isnot(None)).group_by(Village.unit_id).order_by(Village.unit_id)).all()
    both = dict(session.execute(
        select(Cadre.unit_id, func.count()).join(Village, Village.id == Cadre.village_id)
        .where(Cadre.unit_id == Village.unit_id).group_by(Cadre.unit_id)).all())
    unit_sizes = [(uid, count + by_unit.get(uid, 0) - both.get(uid, 0)) for uid, count in stationed]
    groups = {"town": _consecutive(by_town, target, n), "unit": _consecutive(unit_sizes, target, n)}
    made = []
    for i in range(n):
        kind = "town" if i % 2 == 0 else "unit"
        if not groups[kind] or i // 2 >= len(groups[kind]):
            kind = "unit" if kind == "town" else "town"
        chosen = groups[kind][(i // 2) % len(groups[kind])] if groups[kind] else []
        if not chosen:
            raise GenerateError("no towns or units with cadres to assign clerks to")
        model = Town if kind == "town" else Unit
        # county/name: names repeat across counties
        names = ["%s/%s" % tuple(row) for row in session.execute(
            select(Division.code, model.name).join(Division, Division.id == model.county_id)
            .where(model.id.in_(chosen)).order_by(model.id))]
        username = "%s%03d" % (prefix, i + 1)
        password = strong_password()
        _user, created = bootstrap.ensure_user(username, "Clerk", password=password, first_name=username)
        if kind == "town":
            bootstrap.assign_scope(username, names, [])
        else:
            bootstrap.assign_scope(username, [], names)
        towns = list(session.scalars(select(ScopeAssignment.town_id).where(
            ScopeAssignment.user_id == _user.id, ScopeAssignment.town_id.isnot(None))))
        units = list(session.scalars(select(ScopeAssignment.unit_id).where(
            ScopeAssignment.user_id == _user.id, ScopeAssignment.unit_id.isnot(None))))
        made.append((username, created, names, _visible_cadres(session, towns, units)))
    return made


def _consecutive(sizes, target, n):
    """Groups of consecutive ids whose sizes add up to about `target`."""
    groups, current, total = [], [], 0
    for ident, size in sizes:
        current.append(ident)
        total += size
        if total >= target:
            groups.append(current)
            current, total = [], 0
            if len(groups) >= n:
                break
    if current and len(groups) < n:
        groups.append(current)
    return groups
