"""What the name of a unit looks like in a plan: 省水利厅, 北京冬奥组委, 有关部门和单位.

Used by the clause grammar to tell names from other words, to split `A和B` only where both
sides are units (省粮食和储备局 stays whole), and by the doubts to know a familiar name.
"""

from __future__ import annotations

import functools
import re

from planreader.aliases import EQUIVALENT_FORMS, PROVINCES

# Where the name of a unit may end: 省水利厅, 省委宣传部, 人行太原中心支行, 国网…公司.
ORG_SUFFIXES = tuple(
    "委 厅 局 部 办 院 会 行 府 门 位 司 所 处 室 社 馆 署 队 站 组 中心 公司 集团 企业 机构 高校 "
    "学校 大学 军区 海关 法院 检察院 政府 关 党委 团 联 协 台 央 校 班 区 县 市 省 旗 盟 州 镇 乡 "
    "街道 村 场 厂 园 方面 地方 各地 委员会 协会 商会".split()
)
# Words that end like a unit but stand for no unit on their own (中央 starts 中央和国家机关工委,
# 中央宣传部 …; 党中央 is a unit, 中央 alone in a list of units is not).
BARE_WORDS = {"单位", "部门", "企业", "机构", "地区", "市", "县", "区", "省", "地方", "方面"}
BARE_WORDS |= {"中央"}
LEVEL = r"(?:省|自治区|直辖市|计划单列市|市|地|州|盟|县|区|旗|乡|镇|街道)"
# 各省、自治区、直辖市人民政府: levels listed before one kind of unit are part of its name.
LEVELS_PREFIX_RE = re.compile(rf"^(?:各?{LEVEL}+、)+")
LEVELS_RE = re.compile(rf"^各?{LEVEL}+$")
LEVEL_START_RE = re.compile(rf"^{LEVEL}")
# Catch-alls: the plan names a set of units without listing them (有关部门, 各省级人民政府).
CATCH_ALL_RE = re.compile(
    r"^(各|有关|相关|其他|其它|其余|省直|市直|县直|区直|各级|地方各级|省级|市级|县级|中央和国家机关)"
    r"|^(部门|单位|机构|企业|地方|方面)$|(有关|相关)(部门|单位|方面|机构|地方)"
)
# After 等 a catch-all may follow: 人民银行等部门, 财政部等有关部门和单位.
AFTER_ET_RE = re.compile(
    r"^(其他|其它|其余)?(有关|相关|省直有关|市直有关|各|成员)?"
    r"(部门|单位|方面|机构|地方|地区|部委|企业|组织)(?:(?:和|及|与)(?:部门|单位|机构|地方))?"
)
# A name never starts with these: they open a sentence (由省政府负责人牵头).
VERB_STARTS = (
    "由",
    "要求",
    "加强",
    "推进",
    "加快",
    "开展",
    "建立",
    "完善",
    "支持",
    "鼓励",
    "积极",
    "确保",
    "做好",
    "抓好",
    "此项",
    "其中",
    "包括",
    "按照",
    "依托",
    "通过",
    "实现",
)
ROLE_WORDS_IN_NAME = re.compile(r"牵头|负责|配合|参与|协助|会同|落实|按职责|分工")
CONJUNCTIONS = ("以及", "和", "及", "与", "同")

# Unit types a plan of the genre names (after the place: 省, 市, 国家, 山西省 …); a name
# built on one of them is familiar, whatever the province or city.
KNOWN_STEMS = tuple(
    {form for forms in EQUIVALENT_FORMS for form in forms}
    | set(
        "外交部 国防部 教育部 教育厅 教育局 科技局 工业和信息化局 工信局 经信局 "
        "公安部 公安厅 公安局 "
        "民政部 民政厅 民政局 司法部 司法厅 司法局 财政部 财政厅 财政局 自然资源部 自然资源局 "
        "生态环境部 生态环境局 住建局 住房城乡建设局 交通运输局 交通局 水利部 水利厅 水利局 "
        "农业农村部 农业农村局 商务部 商务厅 商务局 文化和旅游局 文旅局 卫生健康局 卫健局 "
        "退役军人事务局 应急管理部 应急部 应急管理局 应急局 审计署 审计厅 审计局 国资委 海关总署 "
        "税务总局 税务局 市场监管局 广电总局 广电局 体育总局 体育局 统计局 医保局 机关事务管理局 "
        "信访局 粮食和储备局 能源局 国防科工局 烟草局 移民局 林草局 铁路局 民航局 邮政局 文物局 "
        "中医药局 外汇局 药监局 知识产权局 证监会 证监局 银保监会 银保监局 金融监管总局 "
        "金融监督管理总局 金融监管局 网信办 发展改革委 发改委 发改局 人民银行 人行 中心支行 "
        "宣传部 组织部 统战部 政法委 编办 台办 侨办 外办 港澳办 新闻办 妇联 残联 科协 "
        "工商联 总工会 团委 团省委 团市委 共青团中央 团中央 红十字会 国铁集团 国家铁路集团 "
        "铁路总公司 电力公司 电网公司 供电公司 气象局 地震局 消防救援总队 消防救援局 海事局 "
        "通信管理局 标准委 版权局 海洋局 测绘局 乡村振兴局 扶贫办 大数据局 数据局 政务服务局 "
        "行政审批局 人民政府 政府 管委会 法院 检察院 军区 武警 北京冬奥组委 冬奥组委 "
        "工业和信息化部 人力资源社会保障部 住房城乡建设部 交通运输部 文化和旅游部 卫生健康委 "
        "退役军人事务部 市场监管总局 国家发展改革委 中国科学院 社科院 工程院 发展研究中心 "
        "供销合作社 供销社 档案局 保密局 密码局 人防办 机要局 国家安全厅 国家安全局 "
        "总局 国管局 国际发展合作署 供销合作总社 中央和国家机关工委 生产建设兵团 兵团 研究室 "
        "矿山安监局 外专局 开发银行 农业发展银行 进出口银行".split()
    )
)


def _unclosed(text: str) -> bool:
    return text.count("（") + text.count("(") != text.count("）") + text.count(")")


def is_catch_all(name: str) -> bool:
    """有关部门, 各省级人民政府, 省直有关部门, 有关部门和单位: a set of units, not one."""
    return bool(CATCH_ALL_RE.search(name))


@functools.lru_cache(maxsize=8192)  # a plan names the same units again and again
def looks_like_unit(name: str) -> bool:
    """Whether `name` reads like the name of a unit (so 由政府负责人 is not one)."""
    if len(name) < 2 or name in BARE_WORDS or len(name) > 40:
        return False
    if _unclosed(name):
        return False
    core = re.sub(r"[（(][^（()）]*[）)]", "", name)  # 相关县（市、区）人民政府
    core = LEVELS_PREFIX_RE.sub("", core)  # 各市、县人民政府
    if re.search(r"[。！？“”《》:：；;，,、\s\d]", core):
        return False
    if name.startswith(VERB_STARTS) or ROLE_WORDS_IN_NAME.search(name):
        return False
    stem = re.sub(r"[（(][^（()）]*[）)]$", "", name)  # 相关县（市、区） → 相关县
    return stem.endswith(ORG_SUFFIXES) or name.endswith(ORG_SUFFIXES)


# A unit rather than a place: 省水利厅, 各市州人民政府, 省供销社 (not 长沙市 alone).
DEPARTMENT_SUFFIXES = tuple(
    (
        "厅 局 委 部 办 府 署 行 会 社 室 院 队 站 所 处 团 联 协 馆 中心 公司 集团 机构 单位 部门"
    ).split()
)


def is_departmental(name: str) -> bool:
    """A name that can only be a unit, never a place: a names-only bracket holds such names."""
    return looks_like_unit(name) and (name.endswith(DEPARTMENT_SUFFIXES) or is_catch_all(name))


def split_conjunction(name: str) -> list[str]:
    """省粮食和储备局 stays whole; 省发展改革委和相关市人民政府 is two units."""
    return list(_split_conjunction(name))


@functools.lru_cache(maxsize=8192)
def _split_conjunction(name: str) -> tuple[str, ...]:
    for word in CONJUNCTIONS:
        start = 1
        while (index := name.find(word, start)) > 0:
            left, right = name[:index], name[index + len(word) :]
            if (
                not _unclosed(left)
                and looks_like_unit(left)
                and looks_like_unit(right)
                and len(right) >= 3
            ):
                return (left, *_split_conjunction(right))
            start = index + 1
    return (name,)


PLACE_PREFIX_RE = re.compile(
    r"^(国务院|中共中央|中央|国家|中国|全国|省委|市委|县委|区委|省|自治区|市|县|区)"
)


def _without_place(name: str) -> str:
    """国家税务总局山西省税务局 → 税务局; 山西省水利厅 → 水利厅; 省委宣传部 → 宣传部."""
    for province in PROVINCES:
        index = name.rfind(province)
        if index >= 0:
            name = name[index + len(province) :]
            break
    return PLACE_PREFIX_RE.sub("", name)


STRONG_SUFFIXES = tuple("厅 局 委 办 部 署 中心 总队 支行 分行 分局 管委会".split())


@functools.lru_cache(maxsize=8192)
def is_familiar(name: str) -> bool:
    """A name of a kind plans use: a ministry, bureau or commission, a government, a catch-all."""
    if is_catch_all(name):
        return True
    if runs_together(name):
        return False
    # 省政务信息管理局, 太原市大数据中心: a place, a few words, the ending of a department.
    if (
        (PLACE_PREFIX_RE.match(name) or name.startswith(PROVINCES))
        and name.endswith(STRONG_SUFFIXES)
        and len(name) <= 16
    ):
        return True
    bare = _without_place(name)
    if bare in KNOWN_STEMS or name in KNOWN_STEMS:
        return True
    # 长治市人民政府, 平山县人民政府, 雄安新区管委会: a place's government; a company.
    if re.search(r"(市|县|区|州|盟|旗|镇|乡|街道)(人民)?政府$|管委会$|管理委员会$|公司$", name):
        return True
    return any(name.endswith(stem) and len(stem) >= 3 for stem in KNOWN_STEMS)


def runs_together(name: str) -> bool:
    """省财政厅省水利厅: two names with the separator lost (a PDF copy drops 、 at times)."""
    return bool(re.search(r"(?:厅|局|部|办|(?<![省市县区党])委)(?:省|市|县|区|国家|中国)", name))
