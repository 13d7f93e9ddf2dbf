"""The names users type for a department: 水利厅 for 省水利厅, 发改委 for 省发展改革委.

Aliases come from rules (drop the 省/province prefix, full ↔ short forms of the usual
ministry and bureau names) so the next plan's departments get them too.
"""

from __future__ import annotations

import re
import unicodedata

PROVINCES = (
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
)

# Forms of the same unit type, the first being the one the Shanxi-style plans write.
# Each row: every form of one word, any of which may appear inside a department's name.
EQUIVALENT_FORMS: tuple[tuple[str, ...], ...] = (
    ("发展改革委", "发改委", "发展和改革委员会", "发展改革委员会", "发展和改革委"),
    ("工信厅", "工业和信息化厅", "工业信息化厅", "经信委"),
    ("工业和信息化部", "工信部"),
    ("住建厅", "住房和城乡建设厅", "住房城乡建设厅"),
    ("住房城乡建设部", "住房和城乡建设部", "住建部"),
    ("人社厅", "人力资源社会保障厅", "人力资源和社会保障厅"),
    ("人力资源社会保障部", "人力资源和社会保障部", "人社部"),
    ("卫健委", "卫生健康委", "卫生健康委员会", "卫生和健康委员会"),
    ("文旅厅", "文化和旅游厅", "文化旅游厅"),
    ("文化和旅游部", "文旅部"),
    ("交通厅", "交通运输厅"),
    ("交通运输部", "交通部"),
    ("科技厅", "科学技术厅"),
    ("科技部", "科学技术部"),
    ("林草局", "林业和草原局", "林业局"),
    ("医保局", "医疗保障局"),
    ("市场监管局", "市场监督管理局", "市场监管总局"),
    ("广电局", "广播电视局"),
    ("退役军人厅", "退役军人事务厅"),
    ("退役军人部", "退役军人事务部"),
    ("农业农村厅", "农业厅", "农村农业厅"),
    ("生态环境厅", "环保厅", "环境保护厅"),
    ("自然资源厅", "国土资源厅", "自然资源和规划厅"),
    ("地方金融监管局", "地方金融监督管理局", "金融监管局", "金融办"),
    ("粮食和储备局", "粮食和物资储备局", "粮储局", "粮食局"),
    ("通信管理局", "通管局"),
    ("应急厅", "应急管理厅"),
    ("国资委", "国有资产监督管理委员会"),
    ("机关事务管理局", "机关事务局"),
    ("大数据局", "大数据发展管理局", "政务服务管理局"),
    ("乡村振兴局", "扶贫办"),
    ("体育局", "体育总局"),
    ("统计局", "统计总局"),
    ("教育厅", "教委"),
    ("银保监局", "银保监分局"),
    ("人民政府", "政府"),
    ("人行", "人民银行"),
)
PREFIXES = ("省", "国家", "中共", "中国")
UNSTRIPPABLE = ("委", "直", "级", "属", "内", "外")


def lookup_key(text: str) -> str:
    """The form names are compared in: full-width → half-width, no spaces, lower case."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", "", text).lower().strip("。.，,：:；;")


def _strip_prefixes(name: str) -> list[str]:
    """省水利厅 → 水利厅; 山西省水利厅 → 水利厅, 省水利厅; 山西银保监局 → 银保监局."""
    out: list[str] = []
    for province in PROVINCES:
        for head in (province + "省", province + "自治区", province + "市", province):
            if name.startswith(head) and len(name) - len(head) >= 2:
                rest = name[len(head) :]
                out += [rest, "省" + rest] if head.endswith("省") else [rest]
                break
        if out:
            break
    if name.startswith(("省委", "市委")) and len(name) >= 5:
        out.append(name[2:])  # 省委宣传部 → 宣传部
    for prefix in PREFIXES:
        # 省委宣传部 and 省直有关部门 keep their 省: 委宣传部 is no name.
        if (
            name.startswith(prefix)
            and len(name) - len(prefix) >= 2
            and not name[len(prefix) :].startswith(UNSTRIPPABLE)
        ):
            out.append(name[len(prefix) :])
    return out


def _swap_forms(name: str) -> list[str]:
    out: list[str] = []
    for forms in EQUIVALENT_FORMS:
        for form in forms:
            if form in name:
                out += [name.replace(form, other) for other in forms if other != form]
                break
    return out


def generate_aliases(name: str) -> list[str]:
    """Other names a user may type for the unit `name` (the name itself excluded)."""
    if re.match(r"^(相关|有关|各|其他|其它)", name):
        return [v for v in _swap_forms(name) if v != name]  # groups: 相关市政府
    base = [name, *_strip_prefixes(name)]
    # Form swaps apply to the name and its prefix-less forms, never to a swapped form.
    candidates = base + [swapped for variant in base for swapped in _swap_forms(variant)]
    seen: list[str] = []
    for variant in candidates:
        if variant != name and variant not in seen and len(variant) >= 2:
            seen.append(variant)
    # Bare words such as 政府 or 厅 would match too much to be useful.
    return [v for v in seen if len(v) >= 3 or v in {"团委"}]
