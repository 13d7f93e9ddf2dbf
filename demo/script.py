"""The demo's cast: the admin, the coordinator, the department chats and what each liaison says.

Chat titles and the liaisons' words exist in Chinese and English; the bot's side of the
conversation is never written here, it comes from the running bot.
"""

from __future__ import annotations

from dataclasses import dataclass

from botapi_sim.updates import SimChat, SimUser

# A well-formed token the simulator accepts; it is worthless anywhere else.
DEMO_TOKEN = "700000001:demo-token-for-the-local-simulator-only"

# The schedule the admin adds: monthly on the 25th at 09:00, three days to reply, the lead
# departments only (supporting departments report to their lead), which keeps the story short.
SCHEDULE_ARGS = "add monthly 25 09:00 due 3d scope lead"
# The deadline the admin sets: the energy bureau's 60% is then well behind the time elapsed
# since the plan's date (2021-11-08), although it reports on time.
DEADLINE_ARGS = "（六） 2027-06-30"
# The report the coordinator returns for 补报, the reason pressed, and the one that is closed.
RETURNED = "（三）"
CLOSED = "（五）"
CLOSE_NOTE = {"zh_CN": "主体工程已竣工验收", "en": "completion inspection passed"}


@dataclass(frozen=True)
class DepartmentChat:
    """One department group in the story: who is bound there and who speaks for it."""

    key: str
    chat_id: int
    titles: dict[str, str]
    departments: str  # the /bind argument: names from the plan, "；" between several
    liaison_id: int
    liaison_names: dict[str, tuple[str, str]]

    def chat(self, lang: str) -> SimChat:
        return SimChat(id=self.chat_id, title=self.titles[lang], type="supergroup")

    def liaison(self, lang: str) -> SimUser:
        first, last = self.liaison_names[lang]
        return SimUser(
            id=self.liaison_id, first_name=first, last_name=last, language_code=_code(lang)
        )


def _code(lang: str) -> str:
    return "en" if lang == "en" else "zh-hans"


WATER = DepartmentChat(
    "water",
    -1_001_000_000_001,
    {"zh_CN": "省水利厅 督办群", "en": "Water Resources Dept. follow-up"},
    "省水利厅",
    3001,
    {"zh_CN": ("张", "水利"), "en": ("Zhang", "(Water)")},
)
DEVELOPMENT = DepartmentChat(
    "development",
    -1_001_000_000_002,
    {"zh_CN": "省发展改革委 督办群", "en": "Development & Reform follow-up"},
    "省发展改革委",
    3002,
    {"zh_CN": ("李", "发改"), "en": ("Li", "(Development)")},
)
ENERGY_LAND = DepartmentChat(
    "energy_land",
    -1_001_000_000_003,
    {"zh_CN": "能源局·自然资源厅 督办群", "en": "Energy & Natural Resources follow-up"},
    "省能源局；省自然资源厅",
    3003,
    {"zh_CN": ("王", "能源"), "en": ("Wang", "(Energy)")},
)
INDUSTRY = DepartmentChat(
    "industry",
    -1_001_000_000_004,
    {"zh_CN": "省工信厅 督办群", "en": "Industry & IT Dept. follow-up"},
    "省工信厅",
    3004,
    {"zh_CN": ("赵", "工信"), "en": ("Zhao", "(Industry)")},
)
CULTURE = DepartmentChat(
    "culture",
    -1_001_000_000_005,
    {"zh_CN": "省文旅厅 督办群", "en": "Culture & Tourism Dept. follow-up"},
    "省文旅厅",
    3005,
    {"zh_CN": ("孙", "文旅"), "en": ("Sun", "(Tourism)")},
)
COMMERCE = DepartmentChat(
    "commerce",
    -1_001_000_000_006,
    {"zh_CN": "省商务厅 督办群", "en": "Commerce Dept. follow-up"},
    "省商务厅",
    3006,
    {"zh_CN": ("周", "商务"), "en": ("Zhou", "(Commerce)")},
)
EDUCATION = DepartmentChat(
    "education",
    -1_001_000_000_007,
    {"zh_CN": "省教育厅 督办群", "en": "Education Dept. follow-up"},
    "省教育厅",
    3007,
    {"zh_CN": ("吴", "教育"), "en": ("Wu", "(Education)")},
)

DEPARTMENT_CHATS = (WATER, DEVELOPMENT, ENERGY_LAND, INDUSTRY, CULTURE, COMMERCE, EDUCATION)
# The department that never answers: it must show up as overdue.
SILENT = EDUCATION

COORDINATORS_CHAT_ID = -1_001_000_000_900
COORDINATORS_TITLES = {"zh_CN": "督办协调组", "en": "Coordinators"}
ADMIN_ID = 1001
COORDINATOR_ID = 1002


def coordinators_chat(lang: str) -> SimChat:
    return SimChat(id=COORDINATORS_CHAT_ID, title=COORDINATORS_TITLES[lang], type="supergroup")


def admin(lang: str) -> SimUser:
    name = ("陈", "管理员") if lang != "en" else ("Chen", "(Admin)")
    return SimUser(id=ADMIN_ID, first_name=name[0], last_name=name[1], language_code=_code(lang))


def coordinator(lang: str) -> SimUser:
    name = ("刘", "督查室") if lang != "en" else ("Liu", "(Coordinator)")
    return SimUser(
        id=COORDINATOR_ID, first_name=name[0], last_name=name[1], language_code=_code(lang)
    )


# What the liaisons write. Keys name the moment in the story (see demo/run.py).
LINES: dict[str, dict[str, str]] = {
    "zh_CN": {
        # On time, one measure.
        "water": "（五）引黄北干线主体工程已完工，已完成",
        # Two measures in one reply, one for each department of the chat.
        "energy_land": "（六）风电光伏项目并网完成60%，正在推进；（十四）矿山生态修复工程已完成",
        # No marker, several candidate measures: the bot asks with buttons.
        "development": "本月新开工基站一千二百个，正在推进",
        # The 补报 after the coordinators returned the vague report.
        "development_again": (
            "（三）本月新开工5G基站1200个，完成全年目标的75%；存在问题：部分站址协调难度大；"
            "下一步：会同各市加快站址审批"
        ),
        # Answering the nudge: the measures the first reply left out.
        "development_nudged": "（四）太焦高铁站房主体完工，推进中；（十九）养老服务设施建设完成80%",
        # A blocker.
        "industry": "（八）园区用地指标审批受阻，项目无法推进",
        # Sent, then edited.
        "culture": "（十三）太行一号旅游公路推进中，完成50%",
        "culture_edit": "（十三）太行一号旅游公路全线贯通，已完成",
        # After the deadline.
        "commerce": "（十）承接京津冀产业转移项目已签约，已完成",
    },
    "en": {
        "water": "(5) The northern trunk line of the Yellow River diversion is finished: done.",
        "energy_land": (
            "(6) Wind and solar grid connection 60%, in progress; "
            "(14) mine land restoration completed."
        ),
        "development": "This month twelve hundred new base stations were started, in progress.",
        "development_again": (
            "(3) 1,200 new 5G base stations this month, 75% of the year's target; "
            "Problems: some sites are hard to agree with the cities. "
            "Next steps: speed up site approvals with the cities."
        ),
        "development_nudged": (
            "(4) Station building of the Taiyuan-Jiaozuo railway in progress; "
            "(19) elderly care centres 80% built."
        ),
        "industry": (
            "(8) Land quota approval for the industrial park is blocked; "
            "the project cannot proceed."
        ),
        "culture": "(13) The Taihang tourist highway is in progress, 50%.",
        "culture_edit": "(13) The Taihang tourist highway is open end to end: done.",
        "commerce": "(10) Projects moving from Beijing-Tianjin-Hebei signed: done.",
    },
}

# The measure the development liaison picks from the buttons (its label in the plan).
DEVELOPMENT_CHOICE = "（三）"
