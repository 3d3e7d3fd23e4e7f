"""Synthetic project applications for testing and benchmarking the originality check.

Shared by ``ciic/engines/tests/test_originality.py`` and ``bench/originality.py``.

The generator writes Chinese application forms (项目申报书) in the contest's sections, from a
vocabulary of industrial-internet phrases, sentence templates, organisation and place names
made up from syllables, and random figures, with English terms mixed in. It is diverse enough
that two independently generated applications share little beyond the domain's common
phrases (their 5-character shingle Jaccard stays well below 0.3), like real applications on
related subjects; :func:`near_duplicate` then makes the kinds of copies the check must find.

Everything is driven by a seeded :class:`random.Random`, so a corpus is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# --- vocabulary ----------------------------------------------------------------------------

TECHS = [
    "工业互联网平台", "设备预测性维护", "数字孪生", "质量追溯", "碳足迹核算", "供应链协同",
    "边缘计算", "机器视觉检测", "工业大数据分析", "标识解析", "低代码开发", "知识图谱",
    "时序数据库", "联邦学习", "强化学习调度", "智能排产", "能耗优化", "柔性制造",
    "远程运维", "安全态势感知", "工业App", "云边协同", "5G专网", "AR远程协作", "声纹诊断",
    "振动频谱分析", "红外热成像", "多源数据融合", "故障知识库", "自适应控制", "区块链存证",
    "虚拟调试", "工艺参数寻优", "视觉引导装配", "AGV集群调度", "设备健康管理", "模型轻量化",
    "迁移学习", "图神经网络", "大语言模型问答", "异常检测算法", "软测量建模", "数据中台",
    "主数据治理", "零信任架构", "OPC UA统一建模", "MQTT消息总线", "Kubernetes容器编排",
    "TSN时间敏感网络", "工业防火墙", "操作系统国产化适配", "运筹优化求解器",
]
ENGLISH = [
    "PLC", "MES", "ERP", "SCADA", "DCS", "PLM", "WMS", "API", "SDK", "GPU", "FPGA", "OPC UA",
    "MQTT", "Modbus", "Kafka", "Flink", "Spark", "Python", "Docker", "ROS", "LoRa", "NB-IoT",
    "YOLO", "Transformer", "LSTM", "BIM", "CAE", "RFID", "OEE", "KPI", "SaaS", "PaaS",
]
INDUSTRIES = [
    "钢铁", "石化", "汽车零部件", "电子信息", "纺织服装", "食品饮料", "工程机械", "轨道交通",
    "船舶海工", "电力装备", "光伏", "锂电池", "医药制造", "建材", "有色金属", "造纸",
    "家电", "航空航天", "半导体封测", "化纤", "水泥", "煤矿", "港口物流", "冷链仓储",
    "模具加工", "注塑成型", "精密铸造", "风电运维", "智慧水务", "印染",
]
EQUIPMENT = [
    "数控机床", "空压机", "离心泵", "高炉风机", "注塑机", "工业机器人", "减速机", "变压器",
    "锅炉", "冷却塔", "传送带", "轧机", "焊接机器人", "激光切割机", "压铸机", "印刷机",
    "风力发电机组", "盾构机", "起重机", "贴片机", "回流焊炉", "烘干窑", "电解槽", "反应釜",
    "精馏塔", "包装线", "球磨机", "叉车", "燃气轮机", "主轴轴承",
]
METRICS = [
    "设备综合效率", "一次合格率", "单位产品能耗", "平均故障间隔时间", "非计划停机时间",
    "库存周转天数", "订单交付周期", "人均产值", "碳排放强度", "不良品率", "换线时间",
    "运维成本", "备件库存", "检测准确率", "数据采集频率", "工单响应时间", "良品率",
    "产能利用率", "吨钢电耗", "水耗", "告警误报率", "模型推理时延",
]
VERBS = [
    "构建", "打造", "研发", "部署", "实现", "提出", "设计", "集成", "搭建", "形成", "优化",
    "攻克", "开发", "推广", "验证", "沉淀", "完善", "升级", "改造", "融合",
]
ADJS = [
    "高可靠", "低时延", "可扩展", "轻量化", "自主可控", "开放共享", "端到端", "全链路",
    "多层级", "模块化", "高并发", "实时", "精细化", "智能化", "可视化", "标准化", "绿色低碳",
    "安全可信", "分布式", "云原生",
]
OBJECTS = [
    "采集网关", "分析模型", "管理系统", "服务平台", "监测终端", "算法库", "数据底座",
    "应用商店", "解决方案", "控制系统", "诊断工具", "驾驶舱", "知识库", "决策引擎",
    "仿真环境", "测试床", "调度中心", "运维体系", "评价体系", "接口规范",
]
PROVINCES = [
    "江苏", "浙江", "广东", "山东", "河北", "湖北", "湖南", "四川", "福建", "安徽", "河南",
    "陕西", "辽宁", "重庆", "天津", "上海", "北京", "江西", "广西", "云南", "贵州", "山西",
    "吉林", "黑龙江", "内蒙古", "新疆", "甘肃", "宁夏", "海南", "青海",
]
SYLLABLES = list(
    "华宏泰鑫科恒瑞昌盛达远航腾飞睿智博通鼎嘉信诚汇隆兴安康宁德润丰源金银海川江河山峰"
    "云星辰光明晨阳天宇中国联合众创新力精工特锐捷迅驰凯旋美嘉禾永利祥福乐聚合亿万千百"
)
ORG_SUFFIXES = [
    "科技有限公司", "智能装备有限公司", "信息技术股份有限公司", "数字科技有限公司",
    "集团有限公司", "研究院", "大学", "工业软件有限公司", "自动化有限公司", "网络技术有限公司",
]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健俊帆")
TITLES = ["教授", "高级工程师", "研究员", "博士", "总工程师", "技术总监", "副教授", "工程师"]
UNITS = ["台", "套", "条产线", "个车间", "家企业", "个工厂", "类设备", "个场景", "万个测点"]

SECTIONS = [
    "项目概述", "技术方案", "创新点", "应用成效", "推广前景", "团队介绍",
]

# Sentence templates. The slots keep the fixed text short, so that two applications written
# from the same templates share few 5-character windows, as two real applications do.
TEMPLATES = [
    "本项目面向{industry}行业{equipment}的{metric}提升需求，{verb}了{adj}{tech}{object}。",
    "针对{industry}企业{equipment}运行数据分散、{metric}难以量化的问题，团队{verb}{tech}能力。",
    "{org}联合{org2}，在{province}{city}的{n}{unit}完成了{tech}的试点应用。",
    "系统通过{en}接入{equipment}数据，采集频率达到{freq}，累计沉淀数据{data}。",
    "上线后{metric}提升{pct}，{metric2}下降{pct2}，年均节约成本约{money}。",
    "核心算法采用{en2}与{tech}相结合的方法，在{equipment}场景下准确率达到{pct}。",
    "{adj}的{object}支持{en}、{en2}等协议，可在{days}天内完成新产线接入。",
    "项目已申请发明专利{k}项、软件著作权{k2}项，形成企业标准{k3}项。",
    "团队负责人{person}{title}长期从事{tech}研究，主持完成省部级项目{k}项。",
    "我们将{tech}与{tech2}深度融合，{verb}覆盖{industry}全流程的{object}。",
    "在{province}{industry}产业集群推广后，可服务{n}{unit}，带动产值约{money}。",
    "平台以{adj}{object}为底座，向上支撑{tech}、{tech2}等{k}类工业App。",
    "与传统{equipment}人工巡检相比，{tech}将{metric}缩短至原来的{pct}。",
    "项目第{k}期建设内容包括{object}、{object2}以及{adj}{tech}模块。",
    "通过{en}对{equipment}{metric}进行建模，实现{days}天提前预警。",
    "{person}团队在{year}年启动{tech}攻关，目前已迭代至{ver}版本。",
    "依托{org}的{industry}生产场景，项目{verb}了{n}{unit}的{tech}标杆示范。",
    "下一步计划在{province}、{province2}等地复制推广，预计{year}年覆盖{n}{unit}。",
    "{tech}模块由{person}负责，关键指标{metric}稳定在{pct}以上。",
    "该方案解决了{industry}行业{metric}与{metric2}难以兼顾的痛点。",
    "面向中小企业，项目提供{adj}{object}，订阅费用每年约{money}。",
    "在{equipment}上部署{en}边缘节点{n}个，端侧推理时延低于{ms}毫秒。",
    "项目构建了包含{data}样本的{industry}{object}，标注类别{k}类。",
    "经第三方检测，{object}在{n}并发条件下响应时间为{ms}毫秒。",
    "{org}作为牵头单位，负责{tech}研发与{object}集成。",
    "项目获得{year}年{province}工业互联网创新应用案例等{k}项荣誉。",
    "通过{tech}打通{en}与{en2}之间的数据壁垒，{metric}提升{pct}。",
    "我们在{city}建立了{adj}{object}，实时监测{n}{unit}的运行状态。",
    "相比同类产品，本方案在{metric}方面领先约{pct}，部署成本降低{pct2}。",
    "此外，{tech}还可延伸至{industry}与{industry2}行业的{equipment}管理。",
]

SENTENCE_LINKS = ["", "", "", "同时，", "此外，", "其中，", "具体而言，", "为此，", "因此，"]


def _name(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(n))


def organization(rng: random.Random) -> str:
    """A made-up organisation name, e.g. 江苏瑞达鼎科技有限公司."""
    return rng.choice(PROVINCES) + _name(rng, rng.randint(2, 4)) + rng.choice(ORG_SUFFIXES)


def city(rng: random.Random) -> str:
    return _name(rng, 2) + rng.choice(["市", "区", "县", "经开区", "高新区", "工业园"])


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def project_name(rng: random.Random) -> str:
    """A project name, e.g. 面向锂电池行业的高可靠设备预测性维护平台."""
    return (
        f"面向{rng.choice(INDUSTRIES)}行业的{rng.choice(ADJS)}"
        f"{rng.choice(TECHS)}{rng.choice(OBJECTS)}"
    )


def sentence(rng: random.Random, topic: list[str]) -> str:
    """One sentence; half of the technologies come from the application's own topic."""

    def tech() -> str:
        return rng.choice(topic) if rng.random() < 0.5 else rng.choice(TECHS)

    values = {
        "industry": rng.choice(INDUSTRIES),
        "industry2": rng.choice(INDUSTRIES),
        "equipment": rng.choice(EQUIPMENT),
        "metric": rng.choice(METRICS),
        "metric2": rng.choice(METRICS),
        "verb": rng.choice(VERBS),
        "adj": rng.choice(ADJS),
        "tech": tech(),
        "tech2": tech(),
        "object": rng.choice(OBJECTS),
        "object2": rng.choice(OBJECTS),
        "en": rng.choice(ENGLISH),
        "en2": rng.choice(ENGLISH),
        "org": organization(rng),
        "org2": organization(rng),
        "province": rng.choice(PROVINCES),
        "province2": rng.choice(PROVINCES),
        "city": city(rng),
        "person": person(rng),
        "title": rng.choice(TITLES),
        "n": rng.randint(3, 9999),
        "unit": rng.choice(UNITS),
        "k": rng.randint(2, 60),
        "k2": rng.randint(2, 90),
        "k3": rng.randint(1, 12),
        "pct": f"{rng.uniform(3, 99):.1f}%",
        "pct2": f"{rng.uniform(2, 60):.1f}%",
        "money": f"{rng.uniform(10, 9000):.0f}万元",
        "freq": rng.choice(["1kHz", "10Hz", "100ms", "每秒", "每分钟", "5s"]) + f"/{rng.randint(2, 999)}点",
        "data": f"{rng.uniform(1, 900):.1f}{rng.choice(['TB', 'GB', '万条', '亿条', 'PB'])}",
        "days": rng.randint(1, 180),
        "ms": rng.randint(3, 900),
        "year": rng.randint(2015, 2030),
        "ver": f"V{rng.randint(1, 9)}.{rng.randint(0, 20)}",
    }
    return rng.choice(SENTENCE_LINKS) + rng.choice(TEMPLATES).format(**values)


@dataclass
class Application:
    """An application form as sections of paragraphs of sentences (so it can be mutated)."""

    name: str
    sections: list[tuple[str, list[list[str]]]]

    @property
    def text(self) -> str:
        parts = [self.name]
        for number, (title, paragraphs) in enumerate(self.sections):
            parts.append(f"{'一二三四五六七八九十'[number]}、{title}")
            parts.extend("".join(p) for p in paragraphs)
        return "\n\n".join(parts)


def application(rng: random.Random, chars: int = 4000) -> Application:
    """A new application of about ``chars`` characters."""
    topic = rng.sample(TECHS, 4)
    name = project_name(rng)
    per_section = max(chars // len(SECTIONS), 60)
    sections = []
    for title in SECTIONS:
        paragraphs: list[list[str]] = []
        size = 0
        while size < per_section:
            if not paragraphs or len(paragraphs[-1]) >= rng.randint(3, 7):
                paragraphs.append([])
            paragraphs[-1].append(sentence(rng, topic))
            size += len(paragraphs[-1][-1])
        sections.append((title, paragraphs))
    return Application(name, sections)


def _fullwidth(text: str) -> str:
    """ASCII letters, digits and punctuation as their full-width forms (ＡＢＣ１２３％)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _spaced(rng: random.Random, text: str) -> str:
    """Spaces, dots and dashes slipped in between characters."""
    fillers = [" ", "\u3000", "·", "-", "、", " ", "*"]
    return "".join(c + (rng.choice(fillers) if rng.random() < 0.35 else "") for c in text)


def near_duplicate(
    rng: random.Random,
    source: Application,
    *,
    change: tuple[float, float] = (0.10, 0.20),
    obfuscate: bool = True,
) -> Application:
    """A copy of ``source`` as a copier would disguise it.

    Rewrites a share of the sentences drawn from ``change`` (replaced by new sentences),
    swaps two paragraphs in each section that has several, and if ``obfuscate``, slips
    spaces/punctuation between the characters of some sentences and turns ASCII full-width
    in others.
    """
    topic = rng.sample(TECHS, 4)
    share = rng.uniform(*change)
    sections = []
    for title, paragraphs in source.sections:
        new_paragraphs = []
        for p in paragraphs:
            new_p = []
            for s in p:
                if rng.random() < share:
                    s = sentence(rng, topic)
                elif obfuscate and rng.random() < 0.15:
                    s = _spaced(rng, s)
                elif obfuscate and rng.random() < 0.15:
                    s = _fullwidth(s)
                new_p.append(s)
            new_paragraphs.append(new_p)
        if len(new_paragraphs) > 1:
            i, j = rng.sample(range(len(new_paragraphs)), 2)
            new_paragraphs[i], new_paragraphs[j] = new_paragraphs[j], new_paragraphs[i]
        sections.append((title, new_paragraphs))
    return Application(source.name, sections)


@dataclass
class Corpus:
    """Generated applications (``texts[key]``) and the planted copies among them.

    ``planted`` holds unordered pairs ``frozenset({original, copy})``; ``past_winners``
    the keys that are earlier prize winners, and ``names`` every document's project name.
    """

    texts: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    past_winners: set[str] = field(default_factory=set)
    planted: set[frozenset[str]] = field(default_factory=set)


def corpus(
    n: int,
    *,
    planted: int = 10,
    past_winners: int = 0,
    copied_winners: int = 0,
    seed: int = 0,
    chars: tuple[int, int] = (3000, 5000),
) -> Corpus:
    """``n`` applications, ``planted`` of them near-duplicates of another application, and
    ``past_winners`` earlier prize winners, ``copied_winners`` of which an application copies.

    Every original is copied at most once and no copy is copied again, so the planted pairs
    are the only similar pairs.
    """
    if 2 * planted + copied_winners > n or copied_winners > past_winners:
        raise ValueError("not enough documents for the planted copies")
    rng = random.Random(seed)
    result = Corpus()
    fresh = n - planted - copied_winners
    # Which documents get copied is drawn first, so only those are kept as Applications.
    originals = [f"A{i:05d}" for i in rng.sample(range(fresh), planted)]
    copied = [f"W{i:05d}" for i in rng.sample(range(past_winners), copied_winners)]
    keep = set(originals) | set(copied)
    sources: dict[str, Application] = {}

    def put(key: str, app: Application) -> None:
        result.texts[key] = app.text
        result.names[key] = app.name
        if key in keep:
            sources[key] = app

    for i in range(past_winners):
        put(f"W{i:05d}", application(rng, rng.randint(*chars)))
        result.past_winners.add(f"W{i:05d}")
    for i in range(fresh):
        put(f"A{i:05d}", application(rng, rng.randint(*chars)))
    for i, original in enumerate(originals):
        put(f"C{i:05d}", near_duplicate(rng, sources[original]))
        result.planted.add(frozenset((original, f"C{i:05d}")))
    for i, winner in enumerate(copied):
        put(f"D{i:05d}", near_duplicate(rng, sources[winner]))
        result.planted.add(frozenset((winner, f"D{i:05d}")))
    return result
