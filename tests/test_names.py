"""Names: subtitles derived from headlines or a draft's leading items, and the names an
issue covers."""

from __future__ import annotations

from dataclasses import replace

import pytest
from support.drafting import TAXONOMY, story_item

from digest.models import IssueItem, Section
from digest.names import (
    CJK,
    SUBTITLE_NAMES,
    derive_subtitle,
    generic_names,
    join_subtitle,
    lead_names,
    leading_name,
    main_name,
    names_in,
)


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("BIT Mining moves to Kazakhstan", "BIT Mining"),
        ("e-CNY pilot widens", "e-CNY"),
        ("Upbit's new rules", "Upbit"),
        ("Korea, Japan tighten rules", "Korea"),
        ("miners look north", "miners"),
    ],
)
def test_leading_name_of_a_headline(title: str, name: str) -> None:
    assert leading_name(title) == name


def test_a_derived_subtitle_names_each_headline_once_in_reading_order() -> None:
    sections = (
        Section("China", items=(IssueItem("Sichuan goes dark"), IssueItem("PBoC warns banks"))),
        Section("Korea", items=(IssueItem("sichuan miners arrive"), IssueItem("Upbit's rules"))),
    )
    assert derive_subtitle(sections) == "Sichuan/PBoC/Upbit"


def test_a_subtitle_has_at_most_six_distinct_names() -> None:
    assert join_subtitle(["A", "a", None, "", "B", "C", "D", "E", "F", "G"]) == "A/B/C/D/E/F"
    assert SUBTITLE_NAMES == 6


def test_a_draft_s_lead_names_go_round_the_sections() -> None:
    leads = [
        story_item("a", "Bitmain moves rigs to Kazakhstan"),
        story_item("b", "Canaan ships new rigs"),
        story_item("c", "HKMA starts e-HKD work", countries=("HK",)),
    ]
    sections = (
        Section("China", items=(IssueItem("x", id="a"), IssueItem("y", id="b"))),
        Section("Hong Kong", items=(IssueItem("z", id="c"), IssueItem("unknown", id="gone"))),
    )
    assert lead_names(sections, leads, TAXONOMY) == ["Bitmain", "HKMA", "Canaan"]


def test_main_name_prefers_what_tagged_the_item() -> None:
    item = story_item("a", "Miners leave Sichuan for Kazakhstan")
    item = replace(item, reasons={"CN": ("Sichuan",)})
    assert main_name(item, TAXONOMY, generic_names(TAXONOMY)) == "Sichuan"


def test_names_in_finds_runs_acronyms_and_taxonomy_terms() -> None:
    found = names_in("The Bank of Japan and PBoC met. Miners left; e-CNY grows in 四川.", TAXONOMY)
    assert "Bank of Japan" in found and "PBoC" in found and "e-CNY" in found
    assert "Miners" not in found and "The" not in found


def test_generic_names_are_too_broad_to_link_issues() -> None:
    generic = generic_names(TAXONOMY)
    assert {"china", "chinese", "bitcoin", "mining", "central bank"} <= generic
    assert "pboc" not in generic


def test_cjk_script_is_told_from_latin() -> None:
    assert CJK.search("数字人民币") and CJK.search("한국") and CJK.search("ビットコイン")
    assert not CJK.search("Sichuan")
