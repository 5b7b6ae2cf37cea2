"""The formulary as data: the shipped catalogue loads and is complete; bad data is refused with file and line."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.prescriptions.formulary import FormularyError, load_formulary

SHIPPED = PROJECT_ROOT / "content" / "formulary"
TERMS = (SHIPPED / "terms.yml").read_text(encoding="utf-8")
GOOD = """medicines:
  - code: paracetamol
    name: 对乙酰氨基酚片
    ingredients: [acetaminophen]
    classes: [antipyretic]
    form: 片剂
    strength: 500
    dose_unit: mg
    unit: 片
    pack: {size: 20, unit: 盒, price_fen: 590}
    adult: {max_single: 1000, max_daily: 2000}
    pregnancy: ok
    lactation: ok
    usage: 发热时口服
    source: 说明书
"""


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "terms.yml").write_text(TERMS, encoding="utf-8")
    (tmp_path / "a.yml").write_text(body, encoding="utf-8")
    return tmp_path


def test_the_shipped_catalogue_covers_what_the_clinics_prescribed() -> None:
    formulary = load_formulary(SHIPPED)
    names = {m.name for m in formulary.medicines.values()}
    for expected in ("对乙酰氨基酚片", "布洛芬缓释胶囊", "连花清瘟胶囊", "奈玛特韦片/利托那韦片组合包装", "苯磺酸氨氯地平片",
                     "盐酸二甲双胍片", "甘精胰岛素注射液（预填充笔）", "阿托伐他汀钙片", "硫酸沙丁胺醇吸入气雾剂", "金花清感颗粒"):
        assert expected in names
    assert all(m.source and m.price_fen > 0 for m in formulary.medicines.values())
    restricted = {m.name for m in formulary.medicines.values() if m.restricted}
    assert {"地西泮片", "硫酸吗啡缓释片"} <= restricted
    paxlovid = formulary.get("nirmatrelvir_ritonavir")
    assert paxlovid is not None and paxlovid.max_days == 5
    assert {i.with_ for i in paxlovid.interactions} >= {"statin", "amiodarone", "ccb", "simvastatin_lovastatin"}


def test_words_resolve_to_classes_and_search_finds_by_class() -> None:
    formulary = load_formulary(SHIPPED)
    assert "statin" in formulary.resolve(["辛伐他汀"])
    assert "amiodarone" in formulary.resolve(["可达龙"])
    assert [m.code for m in formulary.search("他汀")] == ["atorvastatin_tab_20", "rosuvastatin_tab_10", "simvastatin_tab_20"]
    assert formulary.search("降压")  # by the class's words


def test_the_good_example_loads(tmp_path: Path) -> None:
    assert load_formulary(write(tmp_path, GOOD)).get("paracetamol") is not None


@pytest.mark.parametrize("change, message", [
    (("price_fen: 590", "price_fen: 5.9"), "a.yml:2 (paracetamol): pack.price_fen must be a whole positive number"),
    (("    source: 说明书\n", ""), "a.yml:2: medicine paracetamol lacks source"),
    (("pregnancy: ok", "pregnancy: maybe"), "a.yml:2 (paracetamol): pregnancy must be one of ok, caution, avoid"),
    (("classes: [antipyretic]", "classes: [antipyretics]"), "class 'antipyretics' is not in terms.yml"),
    (("max_single: 1000", "max_single: 3000"), "adult.max_single (3000) is more than adult.max_daily (2000)"),
    (("    usage:", "    colour: red\n    usage:"), "a.yml:2: unknown field(s) colour"),
    (("    usage:", "    interactions:\n      - {with: statins, severity: major, note: x}\n    usage:"),
     "a.yml:15 (paracetamol): interaction with 'statins'"),
    (("    usage:", "    interactions:\n      - {with: statin, severity: bad, note: x}\n    usage:"),
     "a.yml:15 (paracetamol): interaction severity must be one of"),
    (("strength: 500", "strength: -1"), "strength must be a positive number"),
])
def test_bad_data_is_refused_with_file_and_line(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(FormularyError) as caught:
        load_formulary(write(tmp_path, GOOD.replace(*change)))
    assert message in str(caught.value)


def test_a_code_used_twice_and_broken_yaml_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FormularyError, match=r"a.yml:16 \(paracetamol\): code 'paracetamol' is used twice"):
        load_formulary(write(tmp_path, GOOD + GOOD.split("\n", 1)[1]))
    with pytest.raises(FormularyError, match=r"a.yml:\d+: not valid YAML"):
        load_formulary(write(tmp_path, GOOD + "  - [oops\n"))
