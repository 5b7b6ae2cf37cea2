"""Every automatic check, on the shipped formulary: boundaries, duplicates, interactions, restricted, review rights."""
from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.prescriptions.checks import (
    BLOCK,
    WARN,
    Finding,
    Limits,
    Line,
    PatientFacts,
    blocking,
    check_prescription,
    packs_needed,
    review_refusal,
)
from bot.prescriptions.formulary import load_formulary

FORMULARY = load_formulary(PROJECT_ROOT / "content" / "formulary")
ADULT = PatientFacts(age_years=40)


def findings(*lines: Line, patient: PatientFacts = ADULT) -> list[Finding]:
    return check_prescription(FORMULARY, list(lines), patient)


def checks_of(found: list[Finding], severity: str | None = None) -> list[str]:
    return [f.check for f in found if severity is None or f.severity == severity]


def test_a_plain_prescription_has_no_findings() -> None:
    assert findings(Line("acetaminophen_tab_500", 1, "prn", 3), Line("ambroxol_tab_30", 1, "tid", 5)) == []


@pytest.mark.parametrize("dose, frequency, expected", [
    (2, "bid", []),  # 1000 mg twice = 2000 mg/day: exactly the maximum
    (1, "qid", []),  # 500 mg four times
    (2.5, "qd", ["dose_single"]),  # 1250 mg at once > 1000
    (2, "tid", ["dose_daily"]),  # 3000 mg/day > 2000
])
def test_acetaminophen_boundary_doses(dose: float, frequency: str, expected: list[str]) -> None:
    assert checks_of(findings(Line("acetaminophen_tab_500", dose, frequency, 3)), BLOCK) == expected


def test_a_childs_dose_is_checked_by_weight_and_needs_the_weight() -> None:
    child = PatientFacts(age_years=4, weight_kg=16)
    # 15 mg/kg × 16 kg = 240 mg single = 7.5 ml of 32 mg/ml: allowed; 8 ml is over.
    assert findings(Line("acetaminophen_susp_32", 7.5, "qid", 3), patient=child) == []
    over = findings(Line("acetaminophen_susp_32", 8, "qid", 3), patient=child)
    assert checks_of(over, BLOCK) == ["dose_single", "dose_daily"] and "按体重16kg" in over[0].message
    no_weight = findings(Line("acetaminophen_susp_32", 5, "qid", 3), patient=PatientFacts(age_years=4))
    assert checks_of(no_weight) == ["child_weight"]


def test_duplicate_ingredient_across_two_products_is_refused() -> None:
    found = findings(Line("acetaminophen_tab_500", 1, "prn", 3), Line("acetaminophen_susp_32", 10, "prn", 3))
    assert checks_of(found, BLOCK) == ["duplicate"] and "对乙酰氨基酚" in found[0].message
    capsule_and_granule = findings(Line("lianhua_qingwen_cap", 4, "tid", 5), Line("lianhua_qingwen_gran", 1, "tid", 5))
    assert "duplicate" in checks_of(capsule_and_granule, BLOCK)


def test_the_same_ingredient_the_patient_already_takes_is_a_warning() -> None:
    found = findings(Line("ibuprofen_sr_300", 1, "bid", 3), patient=PatientFacts(age_years=30, medications=frozenset({"ibuprofen"})))
    assert ("duplicate", WARN) in [(f.check, f.severity) for f in found]


def test_nirmatrelvir_with_the_patients_statin_and_amiodarone() -> None:
    on_simvastatin = PatientFacts(age_years=70, medications=FORMULARY.resolve(["辛伐他汀"]))
    found = findings(Line("nirmatrelvir_ritonavir", 1, "q12h", 5), patient=on_simvastatin)
    blocked = blocking(found)
    assert [f.check for f in blocked] == ["interaction"] and "禁止合用" in blocked[0].message
    on_atorvastatin = PatientFacts(age_years=70, medications=FORMULARY.resolve(["阿托伐他汀"]))
    warned = [f for f in findings(Line("nirmatrelvir_ritonavir", 1, "q12h", 5), patient=on_atorvastatin) if f.check == "interaction"]
    assert warned and all(f.severity == WARN for f in warned) and "暂停或减量" in warned[0].message
    on_amiodarone = PatientFacts(age_years=60, medications=FORMULARY.resolve(["胺碘酮"]))
    assert checks_of(findings(Line("nirmatrelvir_ritonavir", 1, "q12h", 5), patient=on_amiodarone), BLOCK) == ["interaction"]


def test_an_interaction_between_two_items_is_found_from_either_side() -> None:
    found = findings(Line("amlodipine_tab_5", 1, "qd", 5), Line("nirmatrelvir_ritonavir", 1, "q12h", 5))
    interactions = [f for f in found if f.check == "interaction"]
    assert len(interactions) == 1 and interactions[0].severity == WARN  # named from both sides: one finding
    assert checks_of(findings(Line("simvastatin_tab_20", 1, "qn", 5), Line("nirmatrelvir_ritonavir", 1, "q12h", 5)),
                     BLOCK) == ["interaction"]


@pytest.mark.parametrize("code, days, expected", [
    ("acetaminophen_tab_500", 7, []),
    ("acetaminophen_tab_500", 8, [("days", BLOCK)]),  # not chronic: ≤ 7 days
    ("amlodipine_tab_5", 28, []),
    ("amlodipine_tab_5", 29, [("days", WARN)]),  # chronic past 4 weeks: stable patients only
    ("amlodipine_tab_5", 84, [("days", WARN)]),
    ("amlodipine_tab_5", 85, [("days", BLOCK)]),  # past 12 weeks
    ("nirmatrelvir_ritonavir", 6, [("days", BLOCK)]),  # the medicine's own 5-day course
])
def test_days_over_the_limit(code: str, days: int, expected: list[tuple[str, str]]) -> None:
    frequency = "q12h" if code == "nirmatrelvir_ritonavir" else "qd"
    assert [(f.check, f.severity) for f in findings(Line(code, 1, frequency, days))] == expected


def test_a_restricted_medicine_is_refused() -> None:
    found = findings(Line("diazepam_tab_2_5", 1, "qn", 3))
    assert checks_of(found, BLOCK) == ["restricted"] and "第二类精神药品" in found[0].message
    assert "麻醉药品" in findings(Line("morphine_sr_30", 1, "bid", 3))[0].message


def test_age_limits_and_elderly_caution() -> None:
    assert checks_of(findings(Line("nirmatrelvir_ritonavir", 1, "q12h", 5), patient=PatientFacts(age_years=17)), BLOCK) == ["age"]
    assert checks_of(findings(Line("ibuprofen_sr_300", 1, "bid", 3), patient=PatientFacts(age_years=72))) == ["age"]
    assert checks_of(findings(Line("ibuprofen_sr_300", 1, "bid", 3), patient=PatientFacts())) == ["age"]  # unknown age


def test_pregnancy_and_lactation() -> None:
    pregnant = PatientFacts(age_years=30, pregnant=True)
    assert checks_of(findings(Line("ibuprofen_sr_300", 1, "bid", 3), patient=pregnant), BLOCK) == ["pregnancy"]
    assert [(f.check, f.severity) for f in findings(Line("ambroxol_tab_30", 1, "tid", 3), patient=pregnant)] == [("pregnancy", WARN)]
    assert findings(Line("acetaminophen_tab_500", 1, "prn", 3), patient=pregnant) == []
    nursing = PatientFacts(age_years=30, lactating=True)
    assert checks_of(findings(Line("valsartan_cap_80", 1, "qd", 7), patient=nursing), BLOCK) == ["pregnancy"]


def test_allergy_class() -> None:
    penicillin = PatientFacts(age_years=30, allergies=FORMULARY.resolve(["青霉素"]))
    found = findings(Line("amoxicillin_cap_250", 2, "tid", 5), patient=penicillin)
    assert checks_of(found, BLOCK) == ["allergy"] and "青霉素" in found[0].message
    nsaid = PatientFacts(age_years=50, allergies=frozenset({"nsaid"}))
    assert checks_of(findings(Line("aspirin_ec_100", 1, "qd", 7), patient=nsaid), BLOCK) == ["allergy"]
    assert findings(Line("acetaminophen_tab_500", 1, "prn", 3), patient=nsaid) == []


def test_unknown_medicine_bad_frequency_and_empty() -> None:
    assert checks_of(findings(Line("no_such", 1, "qd", 3))) == ["unknown"]
    assert checks_of(findings(Line("ambroxol_tab_30", 1, "hourly", 3))) == ["frequency"]
    assert checks_of(findings(Line("ambroxol_tab_30", 0, "tid", 3))) == ["dose"]
    assert checks_of(check_prescription(FORMULARY, [], ADULT)) == ["empty"]


def test_limits_come_from_configuration() -> None:
    found = check_prescription(FORMULARY, [Line("amlodipine_tab_5", 1, "qd", 30)], ADULT, Limits(chronic_days=30))
    assert found == []


def test_packs_cover_the_days() -> None:
    medicine = FORMULARY.get("amlodipine_tab_5")
    assert medicine is not None
    assert packs_needed(medicine, Line("amlodipine_tab_5", 1, "qd", 28)) == 1
    assert packs_needed(medicine, Line("amlodipine_tab_5", 1, "qd", 29)) == 2
    pen = FORMULARY.get("insulin_glargine_pen")
    assert pen is not None and packs_needed(pen, Line("insulin_glargine_pen", 12, "qd", 28)) == 2  # 336 units


def test_only_a_pharmacist_reviews_and_never_their_own() -> None:
    assert review_refusal(5, "pharmacist", 3) is None
    assert review_refusal(3, "doctor", 3) == "只有药师可以审核处方"
    assert review_refusal(4, "doctor", 3) == "只有药师可以审核处方"
    assert review_refusal(3, "pharmacist", 3) == "不能审核自己开具的处方"
    assert review_refusal(1, "admin", 3) == "只有药师可以审核处方"
