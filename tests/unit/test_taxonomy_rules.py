"""The ESCO search's own rules (chalicelib/domain/taxonomy.py), on a handful of entries."""

from __future__ import annotations

from chalicelib.domain import taxonomy as rules


def _e(label: str, words: str = "", uuid: str = "00000000-0000-0000-0000-000000000000") -> rules.Entry:
    return rules.entry("skill", uuid, label, rules.fold(words))


def test_fold_ignores_case_accents_and_punctuation_but_keeps_signs():
    assert rules.fold("  Santé  Publique!! ") == "sante publique"
    assert rules.fold("C++ / C#") == "c++ c#"
    assert rules.fold("Python (computer programming)") == "python computer programming"


def test_ranks_exact_then_whole_word_prefix_then_prefix_then_words_then_other_text():
    entries = [_e("use functional programming", "haskell lisp"), _e("JavaScript"), _e("Java (computer programming)"),
               _e("Java"), _e("programming in java"), _e("unrelated")]
    found = [e.label for e in rules.search(entries, "java", 10)]
    assert found == ["Java", "Java (computer programming)", "JavaScript", "programming in java"]
    assert [e.label for e in rules.search(entries, "Haskell", 10)] == ["use functional programming"]
    assert [e.label for e in rules.search(entries, "JAVÁ", 2)] == ["Java", "Java (computer programming)"]  # limit
    assert rules.search(entries, "  !!  ", 10) == []


def test_every_word_must_match_and_shorter_labels_come_first_within_a_rank():
    entries = [_e("manage a long list of musical staff"), _e("manage musical staff"), _e("manage staff")]
    assert [e.label for e in rules.search(entries, "staff musical", 10)] == [
        "manage musical staff", "manage a long list of musical staff"]


def test_esco_skill_uri_accepts_only_esco_skill_concepts():
    uuid = "000f1d3d-220f-4789-9c0a-cc742521fb02"
    assert rules.esco_skill_uri(f"https://data.europa.eu/esco/skill/{uuid}") == f"http://data.europa.eu/esco/skill/{uuid}"
    for wrong in (f"http://data.europa.eu/esco/occupation/{uuid}", f"http://evil.example/esco/skill/{uuid}",
                  "http://data.europa.eu/esco/skill/abc", None, 5, f"http://data.europa.eu/esco/skill/{uuid}/x"):
        assert rules.esco_skill_uri(wrong) is None
