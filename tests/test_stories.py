"""Stories: same URL, paraphrased titles, Chinese text, the time window, near-linear blocking."""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
from pathlib import Path

from support.feedfolder import item as feed_item
from support.feedfolder import make_newsletter, rss

from digest.crosslang import quantity_terms, simplified
from digest.models import Entry, FeedOutcome, Item
from digest.refresh import run_fetch
from digest.store import ItemQuery, open_store
from digest.stories import UnionFind, group_stories, group_stories_counted, similarity

DAY0 = dt.datetime(2021, 6, 19, 8, tzinfo=dt.UTC)


def item(
    item_id: str, title: str, summary: str = "", *, day: float = 0, url: str | None = None
) -> Item:
    when = DAY0 + dt.timedelta(days=day)
    return Item(
        id=item_id, feed="f", guid=None, url=url, title=title, summary_html="",
        summary_text=summary, published=when, first_seen=when,
    )  # fmt: skip


BACKGROUND = [
    item("bg1", "Bitcoin price climbs as traders eye inflation data", day=0),
    item(
        "bg2", "Japan's FSA warns unregistered exchange", "The regulator named a Tokyo firm.", day=1
    ),
    item("bg3", "Korean exchange Upbit lists new token", "Trading starts on Friday.", day=2),
    item("bg4", "Thailand tests retail CBDC", "The central bank picked ten thousand users.", day=1),
]


def test_same_canonical_url_is_one_story_whatever_the_text() -> None:
    items = [
        item("a", "Completely different words", url="https://News.example.com/x/?utm_source=t"),
        item("b", "Nothing alike here", url="https://news.example.com/x", day=30),
    ]
    assert group_stories(items, 0.5) == {"a": "a", "b": "a"}


def test_paraphrased_reports_of_one_event_share_a_story() -> None:
    items = [
        *BACKGROUND,
        item("s1", "Sichuan tells power companies to stop supplying crypto miners",
             "Utilities must cut power to 26 bitcoin mining projects in the province.", day=0),
        item("s2", "Sichuan miners switch off rigs after provincial order",
             "Grid companies ordered to end supply to 26 crypto mining sites in Sichuan.", day=1),
        item("other", "Inner Mongolia punishes crypto miners",
             "The region will fine firms that use power for mining.", day=1),
    ]  # fmt: skip
    story = group_stories(items, 0.5)
    assert story["s1"] == story["s2"] == "s1"  # the earliest item names the story
    assert story["other"] == "other"
    assert all(story[b.id] == b.id for b in BACKGROUND)


def test_chinese_reports_are_compared_by_character_pairs() -> None:
    items = [
        *BACKGROUND,
        item(
            "c1", "内蒙古发布虚拟货币挖矿举报平台", "内蒙古发改委设立举报电话，鼓励举报挖矿企业。"
        ),
        item(
            "c2",
            "内蒙古开通虚拟货币挖矿举报电话",
            "自治区发改委公布举报平台，严查挖矿企业。",
            day=1,
        ),
        item("c3", "数字人民币试点扩大到更多城市", "央行宣布新增试点地区。", day=1),
    ]
    story = group_stories(items, 0.5)
    assert story["c1"] == story["c2"]
    assert story["c3"] == "c3"


def test_reports_further_apart_than_the_window_must_be_closer_alike() -> None:
    first = item("w1", "Poly Network hacked for $600 million", "Attacker drained the bridge.")
    again = item(
        "w2", "Poly Network hacked for $600 million", "Attacker drained the bridge.", day=6
    )
    follow_up = item(
        "w3", "Poly Network hacker returns the stolen funds", "The bridge thanks him.", day=30
    )
    # A late copy of the report is the same story; a looser report that late is not: the bar
    # rises with lateness, from the threshold at the window's edge to LATE_THRESHOLD.
    assert group_stories([first, again], 0.5) == {"w1": "w1", "w2": "w1"}
    assert group_stories([first, follow_up], 0.45) == {"w1": "w1", "w3": "w3"}
    assert group_stories([first, follow_up], 0.45, window_days=31)["w3"] == "w1"
    far = item("w4", "Poly Network hacked for $600 million", "Attacker drained the bridge.", day=40)
    assert group_stories([first, far], 0.5) == {"w1": "w1", "w4": "w4"}


def test_an_undated_report_is_looked_for_at_any_date() -> None:
    first = item("u1", "Poly Network hacked for $600 million", "Attacker drained the bridge.")
    other = item("u2", "Upbit lists a new token in Seoul", "Trading starts on Friday.")
    seen = DAY0 + dt.timedelta(days=900)  # an undated item is dated when first seen
    undated = Item(
        id="u3", feed="g", guid=None, url=None, title="Poly Network hacked for $600 million",
        summary_html="", summary_text="The attacker drained the bridge.", published=None,
        first_seen=seen,
    )  # fmt: skip
    dated = Item(**{**undated.__dict__, "id": "u4", "published": seen})
    assert group_stories([first, other, undated], 0.5) == {"u1": "u1", "u2": "u2", "u3": "u1"}
    # The same report with a date of its own, years later, is news of its own.
    assert group_stories([first, other, dated], 0.5)["u4"] == "u4"


def test_titles_naming_different_provinces_report_different_events() -> None:
    sichuan = item("p1", "Sichuan orders bitcoin miners to shut down", "Miners must close.")
    qinghai = item("p2", "Qinghai orders bitcoin miners to shut down", "Miners must close.", day=1)
    again = item("p3", "Sichuan orders miners to shut down", "Bitcoin miners must close.", day=1)
    stories = group_stories([sichuan, qinghai, again], 0.5)
    assert stories["p3"] == stories["p1"] != stories["p2"]
    assert similarity(sichuan, qinghai) < 0.5 < similarity(sichuan, again)


def test_threshold_decides() -> None:
    a = item("t1", "Binance buys Japanese exchange Sakura", "The deal gives it a licence.")
    b = item("t2", "Binance acquires Sakura Exchange BitCoin in Japan", "A route back in.", day=1)
    score = similarity(a, b)
    assert 0 < score < 1
    assert group_stories([a, b], score - 0.01)["t2"] == "t1"
    assert group_stories([a, b], score + 0.01)["t2"] == "t2"


def test_order_of_input_does_not_change_stories() -> None:
    items = [
        *BACKGROUND,
        item("x1", "Terra stablecoin UST loses dollar peg", "Luna plunges.", day=0),
        item("x2", "UST stablecoin breaks peg as Luna collapses", "Terra in turmoil.", day=1),
    ]
    forward = group_stories(items, 0.5)
    assert forward == group_stories(list(reversed(items)), 0.5)


def generated(n: int, seed: int = 7) -> list[Item]:
    """n items on made-up events: each event told twice, two days apart at most."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(5000)]
    common = ["bitcoin", "crypto", "exchange", "china", "regulator", "miners"]
    items: list[Item] = []
    for event in range(n // 2):
        names = rng.sample(vocab, 6)
        day = event * 0.05  # twenty events a day
        for copy in range(2):
            words = [*rng.sample(names, 5), *rng.sample(common, 3)]
            rng.shuffle(words)
            items.append(item(f"e{event}-{copy}", " ".join(words), day=day + copy))
    return items


def test_blocking_keeps_comparisons_near_linear() -> None:
    small = group_stories_counted(generated(2000), 0.5)
    large = group_stories_counted(generated(8000), 0.5)
    pairs = 8000 * 7999 // 2
    assert large.comparisons < pairs / 100
    assert large.comparisons < 6 * small.comparisons  # 4x the items, far from 16x the work
    found = sum(large.story[f"e{e}-1"] == large.story[f"e{e}-0"] for e in range(4000))
    assert found / 4000 > 0.95
    assert len(set(large.story.values())) >= 3800


def test_scores_do_not_depend_on_string_hashing() -> None:
    """Python hashes strings differently in every process; sets of terms iterate in that order.
    A pair near the threshold must come out the same in every run, so sums must not follow it."""
    script = (
        "import datetime as dt\n"
        "from digest.models import Item\n"
        "from digest.stories import similarity\n"
        "when = dt.datetime(2021, 6, 19, tzinfo=dt.UTC)\n"
        "def it(i, t, s):\n"
        "    return Item(id=i, feed='f', guid=None, url=None, title=t, summary_html='',\n"
        "                summary_text=s, published=when, first_seen=when)\n"
        "a = it('a', 'Sichuan orders crypto miners to shut down mining farms',\n"
        "       'The province told power companies to stop supplying 26 mining projects.')\n"
        "b = it('b', 'Miners in Sichuan switch off rigs after provincial order',\n"
        "       'Officials told grid companies to end supply to 26 crypto mining sites.')\n"
        "c = it('c', 'Thailand tests retail CBDC', 'The central bank picked ten thousand users.')\n"
        "print(similarity(a, b, [c]).hex())\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1 and outputs.pop().strip()


def test_punctuation_around_words_does_not_change_their_terms() -> None:
    from digest.stories import terms_of as _tokens

    plain = _tokens("香港交易所 bitcoin miners u.s. regulators")
    marked = _tokens("(香港交易所, bitcoin miners. “u.s.” regulators!")
    assert marked == plain
    assert {"bitcoin", "min", "u.s"} <= plain
    assert _tokens("香港交易所,") == _tokens("香港交易所")  # a chunk of many terms, punctuated


def test_union_find_groups_joined_members_of_any_kind() -> None:
    names: UnionFind[str] = UnionFind()
    names.union("a", "b")
    names.union("c", "story:x")
    names.union("b", "story:x")
    assert len({names.find(n) for n in ("a", "b", "c", "story:x")}) == 1
    assert names.find("stranger") == "stranger"
    numbers: UnionFind[int] = UnionFind()
    for i in range(0, 1000, 2):
        numbers.union(i, i + 2)
    assert numbers.find(0) == numbers.find(1000) != numbers.find(1)


# ---------------------------------------------------------------- languages, scripts, chains


def test_a_chinese_and_an_english_report_of_one_event_are_one_story() -> None:
    items = [
        *BACKGROUND,
        item("en", "Hackers stole $530 million from Japanese exchange Coincheck",
             "Coincheck said NEM tokens worth $530 million were taken from its hot wallet."),
        item("zh", "日本交易所Coincheck遭黑客攻击 损失5.3亿美元",
             "Coincheck表示，价值5.3亿美元的NEM代币从热钱包被盗。", day=1),
        item("zh-other", "韩国交易所Upbit上线新币", "Upbit宣布周五开放交易。", day=1),
    ]  # fmt: skip
    story = group_stories(items, 0.5)
    assert story["zh"] == story["en"] == "en"
    assert story["zh-other"] == "zh-other"


def test_traditional_and_simplified_chinese_are_read_alike() -> None:
    items = [
        *BACKGROUND,
        item("hant", "香港警方拘捕8人 JPEX案涉款12億元",
             "警方接獲逾1600宗報案，涉及虛擬資產交易平台。"),
        item("hans", "香港警方拘捕8人 JPEX案涉款12亿元",
             "警方接获逾1600宗报案，涉及虚拟资产交易平台。", day=1),
    ]  # fmt: skip
    assert group_stories(items, 0.5)["hans"] == "hant"


def test_the_same_entity_in_another_event_is_another_story() -> None:
    items = [
        *BACKGROUND,
        item("raid", "Binance offices in Paris raided by French police",
             "Investigators searched the exchange's offices over money laundering."),
        item("fine", "Binance fined $4.3 billion by US Justice Department",
             "The exchange pleaded guilty to anti-money laundering violations.", day=1),
        item("raid2", "French police raid Binance offices in Paris",
             "The exchange's Paris offices were searched in a laundering probe.", day=1),
    ]  # fmt: skip
    story = group_stories(items, 0.5)
    assert story["raid2"] == story["raid"] == "raid"
    assert story["fine"] == "fine"


def test_a_chain_through_a_place_name_is_not_one_story() -> None:
    """A and B report one recall; B also names the Sichuan hydropower farms that C, another
    event, is about. C reads like B, but not like the story of A and B on average."""
    a = item(
        "a",
        "Bitmain recalls faulty Antminer S19 machines",
        "The maker will replace 5,000 units sold this spring.",
    )
    b = item(
        "b",
        "Bitmain recalls 5,000 Antminer S19 units from Sichuan hydropower farms",
        "Faulty machines at hydropower mining farms in Sichuan go back.",
        day=1,
    )
    c = item(
        "c",
        "Floods hit Sichuan hydropower mining farms",
        "Rains damaged hydropower mining farms across Sichuan.",
        day=2,
    )
    assert similarity(b, c, BACKGROUND) > 0.5 > similarity(a, c, BACKGROUND)
    story = group_stories([*BACKGROUND, a, b, c], 0.5)
    assert story["b"] == "a"
    assert story["c"] == "c"


# ---------------------------------------------------------------- in a store, after a fetch


def _feed_file(folder: Path, name: str, *entries: tuple[str, str, str, str]) -> Path:
    path = folder / f"{name}.xml"
    body = [feed_item(title, link, guid=link, summary=text, date=date)
            for title, link, text, date in entries]  # fmt: skip
    path.write_bytes(rss(*body, title=name))
    return path


def test_old_reports_are_grouped_on_a_first_fetch(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    one = _feed_file(feeds, "one", (
        "Sichuan tells power companies to stop supplying crypto miners", "https://one.example/s",
        "Utilities must cut power to 26 bitcoin mining projects.", "Sat, 19 Jun 2021 08:00:00 GMT",
    ))  # fmt: skip
    two = _feed_file(feeds, "two", (
        "四川要求电力公司停止向虚拟货币挖矿项目供电", "https://two.example/s",
        "四川省要求电网公司停止向26个比特币挖矿项目供电。", "Sun, 20 Jun 2021 09:00:00 GMT",
    ), (
        "Sichuan miners switch off rigs after provincial order", "https://two.example/e",
        "Grid companies ordered to end supply to 26 crypto mining sites in Sichuan.",
        "Sun, 20 Jun 2021 10:00:00 GMT",
    ))  # fmt: skip
    config = make_newsletter(
        tmp_path / "nl", [{"name": "One", "url": str(one)}, {"name": "Two", "url": str(two)}]
    )
    report = run_fetch(config)  # today: the reports are years old
    assert report.new == 3
    with open_store(config) as store:
        stories = {i.url: i.story for i in store.list_items(ItemQuery(relevant_only=False))}
    assert len(set(stories.values())) == 1


def test_a_later_fetch_regroups_only_the_items_near_its_new_ones(tmp_path: Path) -> None:
    config = make_newsletter(tmp_path / "nl", [{"name": "A", "url": "https://a.example/feed"}])
    feed = config.feeds[0]
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

    def entry(title: str, day: dt.date, text: str = "") -> Entry:
        when = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)
        return Entry(feed="A", guid=title, url=None, title=title, summary_html="",
                     summary_text=text, published=when)  # fmt: skip

    old = [entry(f"Report {n} on event {n}", dt.date(2021, 1, 1) + dt.timedelta(days=10 * n))
           for n in range(30)]  # fmt: skip
    with open_store(config) as store:
        changed = store.save_feed_result(FeedOutcome(feed, "ok", entries=tuple(old)), now).changed
        store.regroup_around(changed)
        assert store.story_items_considered == 30
        late = entry("Report 3 on event 3, told again", dt.date(2021, 1, 31))
        changed = store.save_feed_result(FeedOutcome(feed, "ok", entries=(late,)), now).changed
        store.regroup_around(changed)
        # Only the items within reach of 31 January 2021: seven of them (1 January to
        # 2 March) and the new one.
        assert store.story_items_considered == 8


# ---------------------------------------------------------------- what happened, not who


def test_a_warning_and_later_arrests_about_one_platform_are_two_stories() -> None:
    background = " Kestrel Exchange, an unlicensed platform promoted by influencers, has drawn"
    background += " hundreds of complaints from investors who cannot withdraw their deposits."
    warning = "The regulator told investors to stay away." + background
    arrests = "Officers detained six people on Monday." + background
    items = [
        *BACKGROUND,
        item("w1", "Regulator warns investors about Kestrel Exchange", warning, day=0),
        item("w2", "City watchdog issues warning on Kestrel Exchange", warning, day=0.5),
        item("a1", "Police arrest six over Kestrel Exchange", arrests, day=3),
        item("a2", "Six arrested in Kestrel Exchange probe", arrests, day=3.5),
    ]
    got = group_stories(items, 0.5)
    assert got["w1"] == got["w2"] and got["a1"] == got["a2"]
    assert got["w1"] != got["a1"]


def test_a_chinese_warning_and_an_english_arrest_report_stay_apart() -> None:
    items = [
        *BACKGROUND,
        item("zh", "证监会警告JPEX交易所无牌经营", "证监会称JPEX交易所未获发牌。", day=0),
        item("en", "Police arrest JPEX promoters", "JPEX exchange promoters were arrested.", day=2),
    ]
    got = group_stories(items, 0.5)
    assert got["zh"] != got["en"]


def test_an_approval_and_the_listing_it_allowed_are_two_stories() -> None:
    about = " The spot bitcoin and ether funds of three Hong Kong managers, the first in Asia."
    items = [
        *BACKGROUND,
        item("ok1", "Hong Kong approves spot bitcoin and ether ETFs",
             "The SFC gave its approval." + about),
        item("ok2", "Hong Kong regulator approves first spot bitcoin ETFs",
             "Approval came Monday." + about, day=0.5),
        item("go1", "Hong Kong spot bitcoin and ether ETFs debut",
             "Trading began on Tuesday." + about, day=3),
        item("go2", "香港比特币现货ETF今日上市",
             "三只比特币及以太币现货ETF今日在港交所上市。", day=3.2),
    ]  # fmt: skip
    got = group_stories(items, 0.5)
    assert got["ok1"] == got["ok2"]
    assert got["go1"] != got["ok1"] and got["go2"] != got["ok1"]


def test_a_chinese_report_finds_the_english_one_by_the_names_in_its_title() -> None:
    """The Chinese summary gives figures that one unrelated item gives too, rarer than any
    name; the names in its title (Do Kwon, sentenced, 15 years) still find the English report."""
    items = [
        *BACKGROUND,
        item("old", "Do Kwon extradited to the United States", "He faces 15 years.", day=-20),
        item("en", "Do Kwon sentenced to 15 years in prison",
             "A judge sentenced the Terraform founder to 15 years.", day=0),
        item("other", "Exchange volumes rise", "Figures: 12, 19, 27, 34, 41, 56, 73, 88, 100.",
             day=0.2),
        item("zh", "权道亨被判处15年监禁", "数字：12、19、27、34、41、56、73、88、100。", day=0.6),
    ]  # fmt: skip
    got = group_stories(items, 0.5)
    assert got["zh"] == got["en"]
    assert got["other"] == "other"


def test_an_overview_of_a_running_affair_is_not_a_report_of_its_event() -> None:
    about = " Kestrel Exchange, an unlicensed platform, faces complaints from investors."
    items = [
        *BACKGROUND,
        item("w1", "Regulator warns investors about Kestrel Exchange", "A warning." + about),
        item("w2", "Watchdog warns about Kestrel Exchange", "The watchdog warned." + about, day=1),
        item("ex", "Kestrel Exchange explained: what we know", "A timeline." + about, day=1),
        item("zh", "Kestrel Exchange懒人包（不断更新）", "事件一览。" + about, day=1),
        item("track", "專題 | Kestrel Exchange案件實時追蹤", "事件一覽。" + about, day=1),
    ]
    got = group_stories(items, 0.45)
    assert got["w1"] == got["w2"] == "w1"
    assert "w1" not in {got["ex"], got["zh"], got["track"]}


def test_an_event_announced_for_a_time_to_come_reads_unlike_the_event() -> None:
    """A listing "tomorrow" (明日, 可望, as soon as Friday, nears) is not yet the listing: the
    reports of the debut a day later are another story. Friday, a word no other item has
    either, is the control."""
    debut = item("go", "Kestrel Exchange token debuts", "It rose 8% on its first day.", day=1)
    zh_debut = item("zh", "Kestrel代币上市首日上涨", "首日成交活跃。", day=1)

    def alike(title: str, other: Item = debut) -> float:
        return similarity(item("soon", title, "Trading opens, the exchange said."), other)

    control = alike("Kestrel Exchange token to debut Friday")
    assert alike("Kestrel Exchange token to debut tomorrow") < 0.7 * control
    assert alike("Kestrel Exchange token to debut soon") < 0.7 * control
    assert alike("Kestrel Exchange token nears debut Friday") < 0.7 * alike(
        "Kestrel Exchange token gets debut Friday"
    )
    zh_control = alike("Kestrel代币将于周五上市", zh_debut)
    assert alike("Kestrel代币将于明日上市", zh_debut) < 0.7 * zh_control
    assert alike("Kestrel代币月底上市", zh_debut) < 0.7 * zh_control
    assert alike("Kestrel代币可望周五上市", zh_debut) < 0.7 * zh_control  # expected to list
    assert alike("Kestrel代币很快上市", zh_debut) < 0.7 * zh_control  # soon
    # figures "as of the end of June" are a report of what came, not of what is to come
    as_of = alike("截至6月底Kestrel代币上市", zh_debut)
    assert as_of == alike("截至6月初Kestrel代币上市", zh_debut)


def test_a_hack_that_happens_again_is_a_new_story() -> None:
    first = "Attackers drained 40 million dollars from the hot wallet of Nimbus Swap."
    second = "Nimbus Swap lost funds from its hot wallet to attackers once more."
    items = [
        *BACKGROUND,
        item("h1", "Nimbus Swap hot wallet hacked", first, day=0),
        item("h2", "Nimbus Swap hit by second hot wallet hack", second, day=3),
    ]
    got = group_stories(items, 0.5)
    assert got["h1"] != got["h2"]


def test_more_arrests_in_one_affair_are_not_a_new_event() -> None:
    """ "More arrests" carry an affair on; "second" and "again" tell of it happening anew."""
    arrests = item("a1", "Police arrest six over Kestrel Exchange", "Six people were held.")

    def alike(title: str) -> float:
        return similarity(arrests, item("a2", title, "Six people were held."), BACKGROUND)

    assert alike("More arrests over Kestrel Exchange") == alike("Arrests over Kestrel Exchange")
    assert alike("Police make more arrests over Kestrel Exchange") == alike(
        "Police make arrests over Kestrel Exchange"
    )
    assert alike("Second arrests over Kestrel Exchange") < alike("Arrests over Kestrel Exchange")


def test_reports_in_two_scripts_sharing_only_the_words_of_the_trade_stay_apart() -> None:
    """Bitcoin, ETF and a listing are in many reports: two in different scripts must also
    share a name, an amount or a date to be one story."""
    items = [
        *BACKGROUND,
        item("en", "Bitcoin and ether ETFs debut", "Spot bitcoin and ether ETFs began trading.",
             day=0),
        item("zh", "比特币及以太币ETF获纳入结算系统", "交易所收纳比特币及以太币ETF。", day=0.5),
    ]  # fmt: skip
    assert group_stories(items, 0.5)["zh"] != "en"


def test_reports_naming_one_kind_of_event_and_one_name_join_on_fewer_words() -> None:
    items = [
        *BACKGROUND,
        item("x1", "Harbor Exchange hacked, $31 million in ether drained",
             "Attackers emptied a hot wallet overnight.", day=0),
        item("x2", "Thieves steal crypto from Harbor Exchange",
             "The platform halted withdrawals while it counts what was taken.", day=0.4),
    ]  # fmt: skip
    got = group_stories(items, 0.5)
    assert got["x1"] == got["x2"]
    assert similarity(items[-2], items[-1], BACKGROUND) < 0.5  # alike on words alone: too little


# ---------------------------------------------------------------- the bilingual name table


def test_every_chinese_name_reads_the_same_in_traditional_script() -> None:
    import opencc

    from digest.crosslang import name_table
    from digest.names import CJK
    from digest.stories import stem

    table = name_table(stem)
    to_traditional = opencc.OpenCC("s2t")
    for alias, term in zip(table.aliases, table.terms, strict=True):
        if CJK.search(alias):
            found, _ = table.split(simplified(to_traditional.convert(alias)))
            assert term in found, alias


def test_a_person_named_in_both_scripts_is_one_name() -> None:
    items = [
        *BACKGROUND,
        item("en", "Changpeng Zhao pleads guilty, steps down from Binance",
             "The founder agreed to a $4.3 billion settlement with the Justice Department."),
        item("zh", "趙長鵬認罪並辭職 幣安認罰43億美元",
             "幣安創辦人與美國司法部達成和解。", day=1),
        item("zh-other", "孫宇晨宣布波場新計劃", "孫宇晨在社交媒體上發文。", day=1),
    ]  # fmt: skip
    got = group_stories(items, 0.5)
    assert got["zh"] == got["en"]
    assert got["zh-other"] == "zh-other"


def test_a_firm_known_by_a_chinese_name_is_one_name() -> None:
    items = [
        *BACKGROUND,
        item("en", "OKX wins licence in Dubai", "OKX received a full licence from VARA."),
        item("zh", "欧易获迪拜VARA牌照", "欧易宣布已获得迪拜虚拟资产监管局正式牌照。", day=1),
    ]  # fmt: skip
    got = group_stories(items, 0.5)
    assert got["zh"] == got["en"]


def test_a_province_and_event_words_in_both_scripts_join_an_off_topic_story() -> None:
    items = [
        *BACKGROUND,
        item("en", "Explosion at Shandong gold mine leaves 22 trapped",
             "Rescuers in Shandong province are trying to reach 22 workers trapped underground."),
        item("zh", "山东金矿爆炸 22人被困",
             "山东一处金矿发生爆炸，22名工人被困井下，救援正在进行。", day=1),
        item("zh-other", "山东推进数字人民币试点", "山东多地开展数字人民币试点。", day=1),
    ]  # fmt: skip
    got = group_stories(items, 0.5)
    assert got["zh"] == got["en"]
    assert got["zh-other"] == "zh-other"


def test_a_lottery_of_red_envelopes_reads_alike_in_both_languages() -> None:
    items = [
        *BACKGROUND,
        item("en", "Shenzhen hands out digital yuan red envelopes by lottery",
             "The city gives 10 million yuan in red envelopes to residents picked in a lottery."),
        item("zh", "深圳摇号发放数字人民币红包",
             "深圳通过摇号向市民发放1000万元数字人民币红包。", day=1),
    ]  # fmt: skip
    got = group_stories(items, 0.5)
    assert got["zh"] == got["en"]


def test_amounts_in_chinese_units_match_amounts_in_english() -> None:
    assert quantity_terms("被盗1.5亿美元") == quantity_terms("$150 million stolen")
    assert quantity_terms("发放1000万元红包") == quantity_terms("10 million yuan")
    assert quantity_terms("涉款12億元".replace("億", "亿")) == quantity_terms("1.2 billion")


def test_a_name_counts_only_as_a_whole_word_and_an_abbreviation_only_as_written() -> None:
    from digest.stories import terms_of

    assert terms_of("US sanctions") == {"united_states", "sanction"}
    assert terms_of("us sanctions") == {"us", "sanction"}
    assert terms_of("trust warned") == {"trust", "warn"}  # no US, no ED inside the words
    assert terms_of("urban SEC.") == {"urban", "sec"}


def test_a_number_that_cannot_be_a_month_gives_no_date() -> None:
    assert quantity_terms("3,0009月24日 1.5月3日") == set()
    assert quantity_terms("9月24日") == {"@09-24"}


def test_latin_words_inside_chinese_text_are_terms_of_their_own() -> None:
    from digest.stories import terms_of

    terms = terms_of("香港现货ETF首日成交额达8700万港元，BTC和ETH基金领涨")
    assert terms_of("spot ETF, bitcoin, ether") | {"#8.7e7"} <= terms


def test_chinese_reports_sharing_names_and_amounts_join_despite_different_wording() -> None:
    items = [
        *BACKGROUND,
        item("a", "JPEX案警方再拘三人 涉款增至12亿元",
             "警方今日再拘捕三名与JPEX平台有关人士，案件涉及金额约12亿元，报案人数持续上升。"),
        item("b", "JPEX风波扩大：拘捕人数增至11人",
             "随着调查深入，JPEX事件被捕者已有11人，涉案金额12亿元，受害者多为年轻投资者。", day=1),
    ]  # fmt: skip
    got = group_stories(items, 0.5)
    assert got["a"] == got["b"]
