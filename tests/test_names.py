"""Names: subtitles derived from headlines or a draft's leading items, and the names an
issue covers."""

from __future__ import annotations

from dataclasses import replace

import pytest
from support.drafting import TAXONOMY, story_item

from digest.models import Country, IssueItem, Section
from digest.names import (
    CJK,
    SUBTITLE_NAMES,
    derive_subtitle,
    entity_names,
    generic_names,
    join_subtitle,
    lead_names,
    leading_name,
    main_name,
    names_in,
)
from digest.taxonomy import merge_taxonomy


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("BIT Mining moves to Kazakhstan", "BIT Mining"),
        ("e-CNY pilot widens", "e-CNY"),
        ("Upbit's new rules", "Upbit"),
        ("Korea, Japan tighten rules", "Korea"),
        ("miners look north", None),
        ("Bank of Korea holds key rate steady", "Bank of Korea"),
        ("Hong Kong Arrests Influencer Alleging Involvement in JPEX Exchange Promotion", "JPEX"),
        ("四川水电站丰水期结束，比特币矿工再度迁移", "四川"),
        ("微动态丨揪心!煤矿大面积坍塌 救援一级响应!", None),
    ],
)
def test_leading_name_of_a_headline(title: str, name: str | None) -> None:
    assert leading_name(title, TAXONOMY) == name


def test_names_follow_the_taxonomy_each_load_of_the_settings_gives() -> None:
    title = "Zorblax fines miners"
    assert leading_name(title, TAXONOMY) is None
    added = merge_taxonomy(TAXONOMY, {"KZ": Country("KZ", "", aliases=("Zorblax",))}, {})
    assert leading_name(title, added) == "Zorblax"
    assert leading_name(title, merge_taxonomy(TAXONOMY, {}, {})) is None


def test_a_chinese_headline_yields_only_its_known_names() -> None:
    title = "四川發改委:加大整治力度 對關停虛擬貨幣“挖礦”項目實用電量執行差別電價"
    assert entity_names(title, TAXONOMY) == ["四川", "發改委"]
    assert entity_names("青海等多地发文整顿比特币挖矿 有矿工称其云南矿场已关停", TAXONOMY) == [
        "青海",
        "云南",
    ]  # 矿工 (miners) is a topic's word, not a name


def test_a_name_is_never_cut_from_a_longer_one() -> None:
    found = names_in("People's Bank of China warns; Bank of Korea Governor Rhee speaks", TAXONOMY)
    assert "People's Bank of China" in found and "Bank of Korea" in found
    assert not {"People", "Bank", "Bank of China", "Bank of Korea Governor"} & set(found)
    sections = (Section("Korea", items=(IssueItem("Bank of Korea Says Rates Stay"),)),)
    assert derive_subtitle(sections, TAXONOMY) == "Bank of Korea"


def test_a_headline_fragment_is_never_a_name() -> None:
    title = "Central Bank Says It Will Study Crypto Rules"
    assert "Central Bank Says" not in names_in(title, TAXONOMY)
    assert entity_names(title, TAXONOMY) == []
    assert leading_name(title, TAXONOMY) is None
    long_run = "Sichuan Hydropower Season Ends Miners Move Again to Inner Mongolia"
    assert names_in(long_run, TAXONOMY) == ["Sichuan", "Inner Mongolia"]  # no clause


def test_a_derived_subtitle_of_mixed_headlines_names_only_entities() -> None:
    sections = (
        Section("Hong Kong", items=(IssueItem("Hong Kong SFC warns on JPEX"),)),
        Section("China", items=(IssueItem("四川水电站丰水期结束，比特币矿工再度迁移"),
                                IssueItem("e-CNY pilot widens"))),
        Section("Korea", items=(IssueItem("Central Bank Says It Will Study Crypto"),
                                IssueItem("Bank of Korea holds rates"))),
    )  # fmt: skip
    assert derive_subtitle(sections, TAXONOMY) == "Hong Kong SFC/四川/e-CNY/Bank of Korea"


def test_a_derived_subtitle_names_each_headline_once_in_reading_order() -> None:
    sections = (
        Section("China", items=(IssueItem("Sichuan goes dark"), IssueItem("PBoC warns banks"))),
        Section("Korea", items=(IssueItem("sichuan miners arrive"), IssueItem("Upbit's rules"))),
    )
    assert derive_subtitle(sections, TAXONOMY) == "Sichuan/PBoC/Upbit"


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
    assert {"securities", "exchange", "crypto"} <= generic  # words of the topics' keywords
    assert "pboc" not in generic and "bank of korea" not in generic and "四川" not in generic


def test_cjk_script_is_told_from_latin() -> None:
    assert CJK.search("数字人民币") and CJK.search("한국") and CJK.search("ビットコイン")
    assert not CJK.search("Sichuan")
