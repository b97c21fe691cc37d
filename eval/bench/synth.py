"""Synthetic Chinese policy/industry news, for benchmarks at corpus sizes the seeds cannot reach.

Why not copy the seeds: copies make BM25 and dense scores degenerate (thousands of identical
chunks tie) and make every question ambiguous. Instead each article is built from varied
templates filled with vocabulary harvested from the seeds (places, organisation suffixes,
industries, units) and a *unique fact*: a value that no other article states, so every
generated question has exactly one right article. Files look like users' corpora (title line,
byline, body paragraphs, the odd OCR line break or stray space), so ingest, cleaning and
chunking do their real work. Generation is deterministic for a given ``seed``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chat.settings import Settings

_INDUSTRIES = (  # extended by the industries the seeds name
    "新能源汽车", "生物医药", "新材料", "工业互联网", "数据中心", "光伏", "智能网联汽车",
    "低空经济", "高端装备", "北斗导航", "储能", "云计算", "网络安全", "智能家居", "工业软件",
)  # fmt: skip
_PROVINCES = frozenset("河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海".split())  # fmt: skip  # noqa: SIM905
_REGIONS = frozenset(("内蒙古", "广西", "西藏", "宁夏", "新疆"))
_ORG_SUFFIXES = ("工业和信息化厅", "经济和信息化局", "发展改革委", "科技厅", "商务局", "经信委")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建国志文斌宁海波鹏宇晨瑶琳"
_TITLES = ("副厅长", "局长", "处长", "副主任", "总工程师", "负责人")
_PLAN = ("行动方案", "实施意见", "三年行动计划", "高质量发展规划", "若干措施", "专项政策")
_METRIC = ("产业规模", "营业收入", "增加值", "总产值", "投资额")

_TITLE_T = (
    "{place}：{year}年{ind}{metric}力争达{value}{unit}",
    "{place}印发{plan}　{ind}{metric}目标{value}{unit}",
    "{year}年{place}{ind}{metric}将突破{value}{unit}",
    "{place}加码{ind}　{metric}瞄准{value}{unit}",
)
_LEAD_T = (
    "近日，{org}印发《{place}{ind}{plan}》（以下简称《{short}》），明确到{year}年，"
    "当地{ind}{metric}达到{value}{unit}，培育{n1}家以上链主企业。",
    "记者从{org}获悉，{place}日前出台《{place}{ind}{plan}》，提出{year}年{ind}"
    "{metric}力争实现{value}{unit}，年均增速保持在{pct}%左右。",
    "{org}近期发布消息称，{place}将以《{place}{ind}{plan}》为抓手，推动{ind}"
    "{metric}在{year}年达到{value}{unit}，新建{n1}个公共服务平台。",
)
_BODY_T = (
    "{org}{title}{name}介绍，截至目前，当地已集聚{ind}相关企业{n1}家，其中规模以上企业{n2}家。",
    "{name}表示，下一步将聚焦{ind}和{ind2}两条主线，完善“揭榜挂帅”机制，支持企业开展关键技术攻关。",
    "从细分领域看，{ind2}板块上半年实现营收{v2}亿元，同比增长{pct}%，增速高于全行业平均水平。",
    "文件提出实施“强链补链”工程，围绕{ind}上下游布局{n2}个重点项目，总投资超过{v2}亿元。",
    "在人才方面，{place}计划每年引进{ind}领域高层次人才{n3}名，对符合条件的团队给予最高{n2}万元资助。",
    "统计数据显示，{yprev}年{place}{ind2}{metric}为{v2}亿元，占全省工业比重提高{small}个百分点。",
    "为加快应用推广，{org}将遴选{n1}个典型场景，组织供需对接活动不少于{n2}场。",
    "业内人士认为，{ind}正处于规模化发展的窗口期，{place}在{ind2}方面的基础为其提供了有力支撑。",
    "文件还明确了金融支持措施，设立规模{v2}亿元的{ind}产业基金，撬动社会资本参与。",
    "{place}将建设{n1}个{ind}特色园区，推动园区亩均税收提升{pct}%以上。",
    "针对中小企业，{org}提出开展数字化诊断服务，计划覆盖企业{n3}家，推动{n1}家企业上云用数。",
    "同时，{place}将加强与周边省市的协同，共建{ind2}创新联合体，联合攻关项目不少于{n1}项。",
    "此外，{org}将建立季度调度机制，对重点项目实行清单化管理，确保年内开工率达到{pct2}%。",
    "在标准建设上，{place}鼓励企业牵头制定{ind}国家标准和行业标准{n1}项以上。",
    "在{place}一家{ind}企业的生产车间里，{n1}条自动化产线满负荷运转，订单已排到{yprev}年底。",
    "该企业负责人{name}告诉记者，去年企业研发投入占营收比重达到{small}%，新增发明专利{n2}件。",
    "{org}有关负责人指出，当前{ind}发展仍面临核心部件依赖进口、应用场景不足等问题，需要持续用力。",
    "按照部署，{place}还将举办{ind}创新大赛，面向全国征集解决方案，获奖项目可获得最高{n2}万元奖励。",
    "数据显示，今年一季度{place}{ind2}出口额达到{v2}亿元，同比增长{pct}%，新兴市场份额持续扩大。",
    "围绕要素保障，{place}将统筹安排新增建设用地{n3}亩，优先保障{ind}重大项目落地。",
    "在开放合作方面，{place}计划引进{ind}领域外资项目{n1}个，推动{n2}家企业在境外设立研发中心。",
    "{name}还提到，{place}将完善{ind}统计监测体系，按月发布重点企业运行情况，及时协调解决困难。",
)


@dataclass(frozen=True)
class Vocab:
    places: tuple[str, ...]
    org_suffixes: tuple[str, ...]
    industries: tuple[str, ...]
    units: tuple[str, ...]


@dataclass(frozen=True)
class SynthArticle:
    """One generated article and a question that names its unique value (``fact`` answers it)."""

    index: int
    title: str
    byline: str
    paragraphs: tuple[str, ...]
    question: str
    fact: str

    @property
    def source(self) -> str:
        return f"synth_{self.index:06d}.txt"

    def render(self) -> str:
        """The raw file: title line, byline, body paragraphs (blank lines between)."""
        head = [self.title, self.byline] if self.byline else [self.title]
        return "\n\n".join([*head, *self.paragraphs]) + "\n"


@lru_cache(maxsize=4)
def seed_vocab(corpus: Path | None = None) -> Vocab:
    """Places, organisation suffixes, industries and units the seed articles use (via ingest)."""
    import tempfile

    from chat.evidence import load_gazetteer
    from ingest import ingest, load_articles

    settings = Settings(corpus_dir=corpus or Settings().corpus_dir)
    with tempfile.TemporaryDirectory(prefix="synth-vocab-") as tmp:
        settings = settings.model_copy(update={"data_dir": Path(tmp)})
        ingest(settings, progress=False)
        text = "\n".join(a.title + "\n" + a.text for a in load_articles(settings.articles_path))
    places = sorted(p for p in load_gazetteer() if len(p) >= 2 and p in text)
    orgs = set(
        re.findall(r"(?:省|市)((?:经济和|工业和)?信息化(?:局|厅|委员会)|经信厅|工信局)", text)
    )
    inds = set(re.findall(r"(人工智能|机器人|集成电路|信息消费|数字经济|软件|制造业|元器件)", text))
    units = set(re.findall(r"\d(亿元|万亿元|万台|万人|万户|万个)", text))
    return Vocab(
        places=tuple(places) or ("北京", "江苏", "广东"),
        org_suffixes=tuple(sorted(orgs | set(_ORG_SUFFIXES))),
        industries=tuple(sorted(inds | set(_INDUSTRIES))),
        units=tuple(sorted(units & {"亿元", "万亿元"}) or ("亿元",)),
    )


def _admin(place: str) -> str:
    """``江苏`` → ``江苏省``, ``广西`` → ``广西壮族自治区`` style, cities → ``…市``."""
    if place.endswith(("省", "市", "区", "州")):
        return place
    return place + ("省" if place in _PROVINCES else "自治区" if place in _REGIONS else "市")


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2))))


def _ocr_noise(text: str, rng: random.Random) -> str:
    """Occasionally break a line mid-sentence or put a space between CJK characters, as OCR
    of newspaper columns does; ingest's cleaner must undo both."""
    if len(text) > 40 and rng.random() < 0.15:
        cut = rng.randrange(10, len(text) - 10)
        text = text[:cut] + "\n" + text[cut:]
    if len(text) > 20 and rng.random() < 0.1:
        cut = rng.randrange(5, len(text) - 5)
        text = text[:cut] + " " + text[cut:]
    return text


def article(i: int, vocab: Vocab, seed: int = 7) -> SynthArticle:
    """Article ``i``: its headline value ``(i * 7919) mod 10**6`` is unique for i < 10**6."""
    rng = random.Random(seed * 1_000_003 + i)
    v = (i * 7919) % 1_000_000
    value = f"{v // 100 + 100}.{v % 100:02d}"  # e.g. 2431.58: never repeated across articles
    place = rng.choice(vocab.places)
    ind, ind2 = rng.sample(vocab.industries, 2)
    plan = rng.choice(_PLAN)
    slots = {
        "place": place,
        "org": _admin(place) + rng.choice(vocab.org_suffixes),
        "ind": ind,
        "ind2": ind2,
        "plan": plan,
        "short": plan[-4:] if len(plan) > 4 else plan,
        "metric": rng.choice(_METRIC),
        "unit": "亿元" if "亿元" in vocab.units else vocab.units[0],
        "year": str(rng.randint(2025, 2035)),
        "value": value,
    }
    title = rng.choice(_TITLE_T).format(**slots)
    byline = rng.choice(("本报记者 {n}", "记者 {n}", "本报记者 {n} 通讯员 {m}", "")).format(
        n=_name(rng), m=_name(rng)
    )

    def fill(t: str) -> str:
        nums = {
            "n1": rng.randint(3, 60),
            "n2": rng.randint(10, 500),
            "n3": rng.randint(100, 5000),
            "v2": f"{rng.randint(10, 3000)}.{rng.randint(0, 9)}",
            "pct": f"{rng.randint(5, 40)}.{rng.randint(0, 9)}",
            "pct2": rng.randint(80, 99),
            "small": f"{rng.randint(0, 4)}.{rng.randint(1, 9)}",
            "yprev": int(slots["year"]) - rng.randint(2, 4),
            "name": _name(rng),
            "title": rng.choice(_TITLES),
        }
        return t.format(**slots, **nums)

    lead = fill(rng.choice(_LEAD_T))
    if not byline:
        lead = "本报讯 " + lead
    body = rng.sample(_BODY_T, rng.randint(9, 16))
    paras = [lead]
    while body:
        k = rng.randint(1, 3)
        paras.append("".join(fill(t) for t in body[:k]))
        body = body[k:]
    paras = [_ocr_noise(p, rng) for p in paras]
    if rng.random() < 0.5:
        paras.append(f"（{_name(rng)}）")  # sign-off, as many papers print it
    s = slots
    question = f"哪里提出到{s['year']}年{ind}{s['metric']}达到{value}{s['unit']}？"
    return SynthArticle(i, title, byline, tuple(paras), question, place)


def articles(n: int, vocab: Vocab | None = None, seed: int = 7) -> Iterator[SynthArticle]:
    vocab = vocab or seed_vocab()
    for i in range(n):
        yield article(i, vocab, seed)


def write_corpus(
    folder: Path, n: int, vocab: Vocab | None = None, seed: int = 7
) -> list[SynthArticle]:
    """Write ``n`` articles, one UTF-8 ``.txt`` file each, into ``folder``; returns them."""
    folder.mkdir(parents=True, exist_ok=True)
    out = list(articles(n, vocab, seed))
    for a in out:
        (folder / a.source).write_text(a.render(), encoding="utf-8")
    return out
