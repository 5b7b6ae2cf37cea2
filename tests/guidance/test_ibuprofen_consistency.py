"""Every ibuprofen interval and maximum the product shows agrees with the cited label.

The label (actions/guidance/content/sources.yml `label_ibuprofen`, the OTC labels of 布洛芬片 0.2 g,
布洛芬缓释胶囊 0.3 g and 布洛芬混悬液): adults 0.2–0.4 g a dose, 4–6 hours apart, at most 1.2 g in
24 hours without a doctor; sustained-release capsules 0.3 g twice a day (0.6 g); under 12 years
5–10 mg/kg a dose, 4–6 hours apart, at most 4 doses in 24 hours.

The scan reads every text of the home-care guidance, the knowledge articles, the response files and
the formulary, cuts out what is said about ibuprofen (from a mention up to the next medicine or the
end of the sentence), and fails on any interval or maximum that differs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

import yaml

from bot.config import PROJECT_ROOT

# The cited label.
INTERVAL_HOURS = (4, 6)  # immediate-release, adults and children alike
ADULT_MAX_SINGLE_G = 0.4
ADULT_MAX_DAILY_G = 1.2
DOSES_PER_DAY = 4
SR_SINGLE_G = 0.3
SR_MAX_DAILY_G = 0.6
CHILD_MG_PER_KG = (5, 10)

GUIDANCE = PROJECT_ROOT / "actions" / "guidance" / "content"
KB = PROJECT_ROOT / "content" / "kb"
FORMULARY = PROJECT_ROOT / "content" / "formulary"
RESPONSES = PROJECT_ROOT / "flows" / "responses"

IBUPROFEN = r"布洛芬|[Ii]buprofen"
# A span about ibuprofen ends at the next medicine named or at the end of a sentence.
SPAN_END = re.compile(rf"(?:{IBUPROFEN}|对乙酰氨基酚|扑热息痛|泰诺林|[Aa]cetaminophen|[Pp]aracetamol|。|\n|\.\s)")
SUSTAINED = re.compile(r"缓释|[Ss]ustained")
RANGE_HOURS = re.compile(r"(\d+)\s*[–～~\-—至到]\s*(\d+)\s*(?:个)?(?:小时|hours?)")
SINGLE_HOURS = re.compile(r"(?:间隔|every|at least)\s*(\d+)\s*(?:个)?(?:小时|hours?)")
MASS_MAX = re.compile(r"(不超过|不得超过|最多|no more than|at most)\s*(\d+(?:\.\d+)?)\s*(g|克|mg|毫克)(?![/\w])")
COUNT_MAX = re.compile(r"(?:不超过|最多|no more than|at most)\s*(\d+)\s*(?:次|doses)")


@dataclass(frozen=True)
class Problem:
    where: str
    said: str
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.why} — {self.said!r}"


@dataclass
class Scan:
    intervals: int = 0
    maxima: int = 0
    problems: list[Problem] | None = None

    def __post_init__(self) -> None:
        self.problems = []


def spans(text: str) -> Iterator[str]:
    """What each mention of ibuprofen says, up to the next medicine or the end of the sentence."""
    for mention in re.finditer(IBUPROFEN, text):
        rest = text[mention.end():]
        end = SPAN_END.search(rest)
        yield text[mention.start(): mention.end() + (end.start() if end else len(rest))]


def check_span(span: str, where: str, scan: Scan) -> None:
    """Immediate-release wording, except from 缓释 to the end of its clause: the sustained-release capsule's."""
    cut = SUSTAINED.search(span)
    parts = [(span, False)]
    if cut:
        clause_end = re.search(r"[；;]", span[cut.start():])
        end = cut.start() + clause_end.start() if clause_end else len(span)
        parts = [(span[: cut.start()], False), (span[cut.start(): end], True), (span[end:], False)]
    for part, sustained in parts:
        check_part(part, sustained, where, scan)


def check_part(part: str, sustained: bool, where: str, scan: Scan) -> None:
    assert scan.problems is not None
    for m in RANGE_HOURS.finditer(part):
        scan.intervals += 1
        if (int(m.group(1)), int(m.group(2))) != INTERVAL_HOURS:
            scan.problems.append(Problem(where, part, f"interval {m.group(0)} (label: {INTERVAL_HOURS[0]}–{INTERVAL_HOURS[1]} h)"))
    for m in SINGLE_HOURS.finditer(part):
        if RANGE_HOURS.match(part, m.start(1)):
            continue
        scan.intervals += 1
        scan.problems.append(Problem(where, part, f"interval {m.group(0)} (label: {INTERVAL_HOURS[0]}–{INTERVAL_HOURS[1]} h)"))
    for m in MASS_MAX.finditer(part):
        scan.maxima += 1
        grams = float(m.group(2)) / (1000 if m.group(3) in ("mg", "毫克") else 1)
        per_dose = re.search(r"(每次|一次|单次|per dose)\s*$", part[max(0, m.start() - 6): m.start()])
        expected = (SR_SINGLE_G if sustained else ADULT_MAX_SINGLE_G) if per_dose else (
            SR_MAX_DAILY_G if sustained else ADULT_MAX_DAILY_G)
        if abs(grams - expected) > 1e-9:
            scan.problems.append(Problem(where, part, f"maximum {m.group(0)} (label: {expected:g} g)"))
    for m in COUNT_MAX.finditer(part):
        scan.maxima += 1
        if int(m.group(1)) != (2 if sustained else DOSES_PER_DAY):
            scan.problems.append(Problem(where, part, f"{m.group(0)} (label: {DOSES_PER_DAY} doses in 24 h)"))
    if sustained and re.search(r"一[天日]\s*\d\s*次|twice|times a day", part) and not re.search(r"一[天日]\s*2\s*次|twice", part):
        scan.problems.append(Problem(where, part, "sustained-release: the label says twice a day"))


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def scan_texts(items: list[tuple[str, str]]) -> Scan:
    scan = Scan()
    for where, text in items:
        for span in spans(text):
            check_span(span, where, scan)
    return scan


def guidance_texts() -> list[tuple[str, str]]:
    items = []
    for path in sorted(GUIDANCE.glob("*.yml")):
        items += [(str(path.relative_to(PROJECT_ROOT)), s) for s in strings(yaml.safe_load(path.read_text(encoding="utf-8")))]
    for path in sorted(KB.glob("*.md")):
        items.append((str(path.relative_to(PROJECT_ROOT)), path.read_text(encoding="utf-8")))
    for path in sorted(RESPONSES.rglob("*.yml")):
        items += [(str(path.relative_to(PROJECT_ROOT)), s) for s in strings(yaml.safe_load(path.read_text(encoding="utf-8")))]
    return items


def ibuprofen_medicines() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(FORMULARY.glob("*.yml")):
        for medicine in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("medicines") or []:
            if "ibuprofen" in (medicine.get("ingredients") or []):
                found.append((f"{path.relative_to(PROJECT_ROOT)}: {medicine['code']}", medicine))
    return found


def test_every_guidance_text_agrees_with_the_label_on_intervals_and_maxima() -> None:
    scan = scan_texts(guidance_texts())
    assert not scan.problems, "\n".join(map(str, scan.problems))
    # The scan found what it is meant to check: the adult, child and capsule texts, zh and en.
    assert scan.intervals >= 8 and scan.maxima >= 8, (scan.intervals, scan.maxima)


def test_the_formularys_ibuprofen_agrees_with_the_label() -> None:
    medicines = ibuprofen_medicines()
    assert {m["form"] for _, m in medicines} >= {"缓释胶囊", "口服混悬液"}
    problems: list[str] = []
    for where, m in medicines:
        grams = {k: v / 1000 for k, v in (m.get("adult") or {}).items()}  # the formulary doses in mg
        sustained = "缓释" in m["name"] + m["form"]
        expected = {"max_single": SR_SINGLE_G, "max_daily": SR_MAX_DAILY_G} if sustained else {
            "max_single": ADULT_MAX_SINGLE_G, "max_daily": ADULT_MAX_DAILY_G}
        if grams != expected:
            problems.append(f"{where}: adult {m.get('adult')} (label: {expected} g)")
        child = m.get("child")
        if child and (child["max_single_per_kg"], child["max_daily_per_kg"]) != (
                CHILD_MG_PER_KG[1], CHILD_MG_PER_KG[1] * DOSES_PER_DAY):
            problems.append(f"{where}: child {child} (label: {CHILD_MG_PER_KG[1]} mg/kg, {DOSES_PER_DAY} doses)")
        scan = scan_texts([(where, "布洛芬" + ("缓释" if sustained else "") + "：" + m["usage"])])
        problems += map(str, scan.problems or [])
    assert not problems, "\n".join(problems)


def test_the_guidance_doses_for_children_agree_with_the_label_and_the_formulary() -> None:
    medicines = yaml.safe_load((GUIDANCE / "medicines.yml").read_text(encoding="utf-8"))
    dosing = medicines["child_dosing"]["ibuprofen"]
    assert tuple(dosing["mg_per_kg"]) == CHILD_MG_PER_KG
    assert dosing["max_single_mg"] / 1000 == ADULT_MAX_SINGLE_G
    suspension = [m for _, m in ibuprofen_medicines() if m.get("child")]
    assert suspension and all(m["child"]["max_single_per_kg"] == dosing["mg_per_kg"][1] for m in suspension)


def test_the_cited_label_states_the_numbers_checked_here() -> None:
    label = yaml.safe_load((GUIDANCE / "sources.yml").read_text(encoding="utf-8"))["label_ibuprofen"]
    for said in ("0.2–0.4 g", "间隔4–6小时", "不超过1.2 g", "一日2次", "5–10 mg/kg", "不超过4次"):
        assert said in label, said


def test_the_scan_catches_a_disagreeing_text() -> None:
    bad = scan_texts([
        ("a", "儿童布洛芬：每次5–10 mg/kg，间隔6–8小时，24小时内不超过4次。"),
        ("b", "布洛芬：成人每次0.2–0.4 g，一天总量不超过2.4 g。"),
        ("c", "布洛芬混悬液：两次之间至少间隔6小时。"),
        ("d", "Ibuprofen: every 6–8 hours, no more than 1200 mg a day."),
        ("e", "布洛芬缓释胶囊一次1粒，一天3次，一天不超过0.9克。"),
    ])
    assert bad.problems is not None
    assert sorted({p.where for p in bad.problems}) == ["a", "b", "c", "d", "e"], "\n".join(map(str, bad.problems))
    # What another medicine says in the same sentence is not ibuprofen's.
    fine = scan_texts([("f", "对乙酰氨基酚间隔4–6小时，一天不超过2 g；布洛芬间隔4–6小时，24小时内不超过1.2 g。")])
    assert fine.problems == [] and fine.intervals == 1 and fine.maxima == 1
