"""Classification: word boundaries, CJK text, case, traps, feed priors, corrections, reasons."""

from __future__ import annotations

import pytest

from digest.classify import (
    RELEVANT,
    Matcher,
    apply_overrides,
    classify_entry,
    classify_text,
    explain,
    is_case_sensitive,
)
from digest.models import Classification, Entry, FeedConfig
from digest.taxonomy import builtin_taxonomy

TAX = builtin_taxonomy()


def classify(title: str, summary: str = "", feed: FeedConfig | None = None) -> Classification:
    return classify_text(title, summary, feed, TAX)


def terms_found(matcher: Matcher, text: str) -> list[str]:
    return [hit.term for _, hit in matcher.find(text)]


def test_latin_terms_match_whole_words_only() -> None:
    m = Matcher({"India": {"IN"}, "bitcoin": {RELEVANT}})
    assert terms_found(m, "Indiana miners") == []
    assert terms_found(m, "India's bitcoin rules") == ["India", "bitcoin"]
    assert terms_found(m, "bitcoins and bitcoin-based") == ["bitcoin"]


def test_cjk_terms_match_inside_running_text_and_beside_latin() -> None:
    m = Matcher({"数字人民币": {"cbdc"}, "BTC": {RELEVANT}, "香港": {"HK"}})
    text = "香港试点数字人民币跨境支付，BTC价格上涨"
    assert terms_found(m, text) == ["香港", "数字人民币", "BTC"]
    assert terms_found(m, "比特币BTC") == ["BTC"]


def test_acronyms_match_only_as_written() -> None:
    assert is_case_sensitive("MAS") and is_case_sensitive("BoJ") and is_case_sensitive("Fed")
    assert not is_case_sensitive("Singapore") and not is_case_sensitive("bitcoin")
    m = Matcher({"MAS": {"SG"}, "SEC": {"US"}, "Singapore": {"SG"}})
    assert terms_found(m, "mas and sec, Sec and Mas") == []
    assert terms_found(m, "MAS and SEC; SINGAPORE") == ["MAS", "SEC", "Singapore"]


def test_longest_term_wins_across_case_rules() -> None:
    got = classify("Thailand's SEC bans crypto lending")
    assert got.countries == ("TH",)
    got = classify("Inner Mongolia shuts crypto mining farms")
    assert got.countries == ("CN",)


def test_a_term_inside_a_longer_word_does_not_count() -> None:
    m = Matcher({"ban": {"regulation"}, "LINE": {"JP"}, "Hong Kong": {"HK"}})
    assert terms_found(m, "urban banks, online, a ban") == ["ban"]
    assert terms_found(m, "Shanghong Kong Hong Kong") == ["Hong Kong"]


def test_punctuation_inside_terms_and_around_words() -> None:
    m = Matcher({"U.S. SEC": {"US"}, "People's Bank of China": {"CN"}, "BTC": {RELEVANT}})
    assert terms_found(m, "The U.S. SEC and the People’s Bank of China") == [
        "U.S. SEC",
        "People's Bank of China",
    ]
    assert terms_found(m, "$BTC, (BTC) and BTC-denominated") == ["BTC"] * 3


def test_a_term_ending_in_a_symbol_needs_the_symbol() -> None:
    m = Matcher({"NT$": {"TW"}})
    assert terms_found(m, "It cost NT$30 billion") == ["NT$"]
    assert terms_found(m, "Ninety percent of NT holders") == []


def test_a_wrongly_cased_acronym_leaves_the_shorter_term() -> None:
    m = Matcher({"Thailand": {"TH"}, "Thailand's SEC": {"TH"}})
    assert terms_found(m, "Thailand's sec") == ["Thailand"]
    assert terms_found(m, "Thailand's SEC") == ["Thailand's SEC"]


def test_crypto_acronyms_match_in_any_case_but_names_keep_theirs() -> None:
    assert not is_case_sensitive("DeFi", crypto=True) and not is_case_sensitive("NFT", crypto=True)
    assert is_case_sensitive("Luna", crypto=True) and is_case_sensitive("MAS")
    assert classify("Why defi lending is back").relevant


def test_positions_are_places_in_the_text() -> None:
    m = Matcher({"Hong Kong": {"HK"}, "香港": {"HK"}, "bitcoin": {RELEVANT}})
    text = "香港 bitcoin, Hong  Kong? Hong Kong"
    assert [(at, hit.term) for at, hit in m.find(text)] == [
        (0, "香港"),
        (3, "bitcoin"),
        (text.rindex("Hong"), "Hong Kong"),
    ]


def test_words_between_lines_or_hyphens_still_match() -> None:
    m = Matcher({"Hong Kong": {"HK"}})
    assert terms_found(m, "Hong\nKong and Hong-Kong and hong kong") == ["Hong Kong"] * 3


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("Coal mining output hits record in Inner Mongolia", "Miners worked extra shifts."),
        ("Data mining startup raises funds", "The company mines retail data."),
        ("Bank of Japan keeps rates on hold", "The BoJ left its yield curve control in place."),
        ("IPO on the Hong Kong stock exchange", "Shares of the tea chain fell."),
        ("Staff receive hampers as a token of appreciation", "A token of thanks."),
        ("Rupiah slides as exchange rate weakens", "Bank Indonesia intervened."),
        ("Vietnam's digital economy to double", "E-commerce and digital payments grow."),
        ("Gold mining company lifts output in Indonesia", "Grasberg produced more."),
    ],
)
def test_same_words_in_other_senses_are_not_relevant(title: str, summary: str) -> None:
    got = classify(title, summary)
    assert not got.relevant
    assert got.topics == ()


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Sichuan orders bitcoin miners to shut down", {"mining"}),
        ("PBoC expands digital yuan pilot", {"cbdc"}),
        ("数字人民币试点扩大", {"cbdc"}),
        ("內蒙古嚴查虛擬貨幣挖礦", {"mining"}),
        ("金融庁、暗号資産交換業者に業務改善命令", {"regulation", "exchanges"}),
        ("업비트, 가상자산 거래 지원 종료", {"exchanges"}),
    ],
)
def test_crypto_items_get_their_topics(title: str, expected: set[str]) -> None:
    got = classify(title)
    assert got.relevant
    assert expected <= set(got.topics)


def test_a_crypto_word_inside_a_longer_term_still_makes_it_relevant() -> None:
    got = classify("Miners switch off rigs", "Operators shut crypto mining sites.")
    assert got.relevant
    assert "mining" in got.topics


def test_title_outweighs_summary_for_countries() -> None:
    beside_title = classify("Japan exchange lists bitcoin fund", "Similar funds trade in Canada.")
    assert beside_title.countries == ("JP",)
    # A lone mention in the summary is the only place named: it is what the item is about.
    alone = classify("Exchange lists new bitcoin fund", "Similar funds trade in Canada.")
    assert alone.countries == ("CA",)
    in_title = classify("Canada approves bitcoin fund", "The fund starts trading next week.")
    assert in_title.countries == ("CA",)


def test_feed_country_is_a_prior_not_a_verdict() -> None:
    korean_feed = FeedConfig(name="kr", url="", country="KR")
    no_place = classify("Exchange halts withdrawals of a bitcoin token", feed=korean_feed)
    assert no_place.countries == ("KR",)
    assert no_place.reasons["KR"] == ("feed default",)
    elsewhere = classify("SEC sues Binance over bitcoin trading in the US", feed=korean_feed)
    assert elsewhere.countries == ("US",)
    weak = classify("Bitcoin exchange fined", "Seoul officials said so.", feed=korean_feed)
    assert weak.countries == ("KR",)
    off_topic = classify("Rainy season starts", feed=korean_feed)
    assert off_topic.countries == ()


def test_feed_topics_fill_in_only_when_the_item_names_none() -> None:
    mining_feed = FeedConfig(name="m", url="", topics=("mining",))
    assert classify("Bitcoin climbs past $30,000", feed=mining_feed).topics == ("mining",)
    got = classify("Bitcoin stablecoin issuer hacked", feed=mining_feed)
    assert "mining" not in got.topics and "security" in got.topics


def test_items_outside_asia_can_be_relevant() -> None:
    got = classify("El Salvador makes bitcoin legal tender")
    assert got.relevant and got.countries == ("SV",)
    assert not TAX.countries["SV"].asian


def test_reasons_name_the_matched_terms() -> None:
    got = classify("Sichuan orders bitcoin miners to shut down", "The PBoC backed the move.")
    assert got.reasons["CN"] == ("Sichuan", "PBoC")
    assert got.reasons["mining"] == ("miners",)
    assert got.reasons[RELEVANT] == ("bitcoin",)
    lines = explain(got)
    assert lines[0] == 'relevant: "bitcoin"'
    assert 'country CN: "Sichuan" (CN province), "PBoC" (CN regulator)' in lines


def test_explain_says_why_an_item_is_not_relevant() -> None:
    assert explain(classify("Rainy season starts"))[0].startswith("not relevant")


def test_editor_corrections_win_over_the_rules() -> None:
    got = classify("Singapore exchange lists bitcoin fund")
    assert got.countries == ("SG",) and got.relevant
    fixed = apply_overrides(got, add=["CN", "mining"], remove=["SG", RELEVANT], taxonomy=TAX)
    assert fixed.countries == ("CN",)
    assert "mining" in fixed.topics
    assert not fixed.relevant
    assert fixed.reasons["CN"] == ("editor",)
    assert "SG" not in fixed.reasons and RELEVANT not in fixed.reasons
    back = apply_overrides(fixed, add=[RELEVANT], remove=[], taxonomy=TAX)
    assert back.relevant and back.reasons[RELEVANT] == ("editor",)


def test_classify_entry_reads_title_and_plain_summary() -> None:
    entry = Entry(
        feed="x", guid=None, url=None, title="Japan's FSA warns exchange",
        summary_html="<p>Bitcoin</p>", summary_text="Bitcoin trading surged.", published=None,
    )  # fmt: skip
    got = classify_entry(entry, None, TAX)
    assert got.relevant and got.countries == ("JP",)


def test_feeds_yaml_additions_are_matched() -> None:
    from digest.models import Topic
    from digest.taxonomy import merge_taxonomy

    merged = merge_taxonomy(TAX, {}, {"gaming": Topic("gaming", "Gaming", ("GameFi guild",))})
    got = classify_text("GameFi guild raises bitcoin", "", None, merged)
    assert "gaming" in got.topics


def test_a_weak_hint_alone_does_not_make_regulation() -> None:
    court = classify("Crypto lender's founder appears in court", "The bitcoin case was adjourned.")
    assert "regulation" not in court.topics
    two_hints = classify("Crypto lender's founder in court", "A judge ordered the bitcoin sold.")
    assert "regulation" in two_hints.topics
    assert classify("Regulator bans crypto lending").topics[:1] == ("regulation",)


def test_rule_makers_count_once_and_only_beside_an_act() -> None:
    actors = classify("Government launches bitcoin wallet", "Officials and the ministry said so.")
    assert "regulation" not in actors.topics
    acting = classify("Bitcoin miners get a power quota", "The ministry set one for each farm.")
    assert "regulation" in acting.topics
    assert acting.reasons["regulation"] == ("quota", "ministry")


def test_a_shared_regulator_acronym_defers_to_the_country_named() -> None:
    assert classify("SEC fines Bangkok crypto exchange").countries == ("TH",)
    assert classify("SEC sues crypto lender over bitcoin yields").countries == ("US",)


def test_running_text_terms_with_hyphens_and_capitals() -> None:
    m = Matcher({"Hydro-Québec": {"CA"}, "São Paulo": {"BR"}, "数字人民币": {"cbdc"}})
    assert terms_found(m, "Hydro-Québec and Hydro Québec") == ["Hydro-Québec"] * 2
    assert terms_found(m, "SÃO PAULO’s 数字人民币 pilot") == ["São Paulo", "数字人民币"]


def test_feeds_yaml_relevance_words_and_ignored_phrases_count() -> None:
    from digest.taxonomy import merge_taxonomy

    headline = "Seoul startup launches Kimchi Chain wallet"
    assert not classify_text(headline, "", None, TAX).relevant
    merged = merge_taxonomy(TAX, {}, {}, relevance=("Kimchi Chain",), ignore=("bitcoin bowl",))
    got = classify_text(headline, "", None, merged)
    assert got.relevant and got.reasons["relevant"] == ("Kimchi Chain",)
    assert classify_text("Bitcoin miners move to Texas", "", None, TAX).relevant
    assert not classify_text("Tickets for the Bitcoin Bowl sell out", "", None, merged).relevant


# ---------------------------------------------------------------- places and institutions


def test_a_subdivision_tags_its_country() -> None:
    assert classify("Bitcoin miners flock to Texas").countries == ("US",)
    assert classify("Crypto fraud probe widens in Himachal Pradesh").countries == ("IN",)
    assert classify("Crypto scam: police raid offices across Himachal").countries == ("IN",)


def test_a_city_of_note_tags_its_country() -> None:
    assert classify("Crypto exchange opens an office in Pune").countries == ("IN",)
    assert classify("Bitcoin ATM network grows in Surabaya").countries == ("ID",)


def test_a_place_name_that_is_an_everyday_word_does_not_tag() -> None:
    for title in (
        "Reading the bitcoin charts after the halving",
        "Mobile wallets drive crypto payments",
        "Nice gains for ether as traders return",
        "Token split planned by the exchange",
        "Stablecoin issuer takes a bath on bond bets",
    ):
        assert classify(title).countries == (), title


def test_a_place_in_lowercase_does_not_tag() -> None:
    assert classify("bitcoin miners say the surat of it").countries == ()


def test_a_place_shared_by_several_countries_does_not_tag() -> None:
    assert classify("Crypto exchange licensed in Georgia").countries == ()
    assert classify("Victoria crypto fund raises $5 million").countries == ()


def test_a_country_outside_the_taxonomy_is_tagged_by_its_names_and_capital() -> None:
    assert classify("Terra founder Do Kwon arrested in Montenegro").countries == ("KR", "ME")
    assert classify("Kenya weighs a tax on crypto transfers").countries == ("KE",)
    assert classify("加密货币交易所在肯尼亚获得牌照").countries == ("KE",)
    assert classify("Bybit opens a bitcoin office in Tbilisi").countries == ("GE",)
    assert TAX.countries["GE"].name == "Georgia" and TAX.countries["GE"].asian
    assert not TAX.countries["KE"].asian
    lines = explain(classify("Crypto exchange opens in Nairobi"))
    assert 'country KE: "Nairobi" (KE capital)' in lines


def test_what_reads_as_a_country_but_is_not_about_it_does_not_tag() -> None:
    assert classify("Hackers took US$600 million from the bridge").countries == ()
    assert classify("阿根廷國會調查加密貨幣詐欺").countries == ("AR",)  # 國會: any parliament
    assert classify("西非國家馬里一金礦坍塌").countries == ("ML",)


def test_a_mine_alone_is_not_crypto_news() -> None:
    # 矿场 is a bitcoin mining farm in crypto news, and any mine in the rest of the news
    assert not classify("金礦坍塌 礦場內200多名工人").relevant
    assert classify("四川比特币矿场停电").relevant


def test_a_country_name_that_is_mostly_something_else_does_not_tag() -> None:
    assert classify("Jordan Belfort warns bitcoin buyers").countries == ()
    assert classify("Chad and his friends bought ether").countries == ()
    assert classify("Crypto club sponsors a team Jersey").countries == ()
    assert classify("沿海地区的比特币矿场").countries == ()  # 海地 (Haiti) inside 沿海地区
    assert classify("监管部门增加纳入比特币交易所").countries == ()  # 加纳 (Ghana) inside 增加纳入
    assert classify("Crypto fugitive held with forged Costa Rican papers").countries == ()


def test_explain_says_what_a_place_or_institution_is() -> None:
    lines = explain(classify("Texas miners unplug as SEC sues an exchange"))
    assert 'country US: "Texas" (US state), "SEC" (US regulator)' in lines


def test_a_national_regulator_tags_its_country() -> None:
    assert classify("SEC sues crypto exchange over unregistered securities").countries == ("US",)
    assert classify("Justice Department charges bitcoin mixer operators").countries == ("US",)
    assert classify("RBI warns banks on crypto exposure").countries == ("IN",)
    assert classify("MAS grants licence to crypto custodian").countries == ("SG",)


def test_a_qualified_regulator_tags_the_qualifying_country_only() -> None:
    assert classify("Thai SEC fines crypto exchange", "The SEC said it acted.").countries == ("TH",)
    got = classify("Philippine SEC orders block on crypto platform", "The SEC warned users.")
    assert got.countries == ("PH",)
    assert classify("Taiwan's FSC tightens crypto rules").countries == ("TW",)


def test_a_shared_legislature_is_the_us_only_when_nothing_else_is_named() -> None:
    assert classify("Congress debates a stablecoin bill").countries == ("US",)
    got = classify("Bukele asks Congress to pass bitcoin bond law", "El Salvador's plan.")
    assert got.countries == ("SV",)


def test_an_exchange_with_one_home_tags_it() -> None:
    assert classify("Upbit halts deposits of a token").countries == ("KR",)
    assert classify("bitFlyer adds staking").countries == ("JP",)
    assert classify("Binance adds staking").countries == ()


def test_chinese_places_and_regulators() -> None:
    assert classify("喜马偕尔邦加密货币诈骗案再有人被捕").countries == ("IN",)
    assert classify("德克萨斯比特币矿工暂停运营").countries == ("US",)
    assert classify("四川关停虚拟货币挖矿项目").countries == ("CN",)
    assert classify("证监会提示虚拟货币交易风险").countries == ("CN",)
    hong_kong = classify("香港证监会发出虚拟资产交易平台牌照", "证监会表示欢迎申请。")
    assert hong_kong.countries == ("HK",)
    assert classify("美国司法部起诉加密货币交易所").countries == ("US",)
    assert classify("韩国金融委员会加强加密交易所监管").countries == ("KR",)


def test_country_names_as_hong_kong_and_taiwan_write_them() -> None:
    assert classify("北韓黑客今年竊取逾20億美元加密貨幣").countries == ("KP",)
    assert classify("南韓加密貨幣交易所遭罰款").countries == ("KR",)
    assert classify("阿拉伯聯合酋長國央行發行數碼貨幣").countries == ("AE",)


def test_every_country_of_asia_is_known() -> None:
    assert classify("Macau police bust a crypto money-laundering ring").countries == ("MO",)
    assert classify("澳門警方破獲虛擬貨幣洗錢集團").countries == ("MO",)
    assert classify("Bitcoin miners move to Tajikistan's Dushanbe").countries == ("TJ",)
    assert classify("Brunei central bank studies a digital currency").countries == ("BN",)


def test_traditional_script_terms_match_like_simplified_ones() -> None:
    got = classify("加密資產交易平台遭駭客攻擊")
    assert got.relevant and "security" in got.topics
    assert classify("喜馬偕爾邦比特幣騙局").countries == ("IN",)


# ---------------------------------------------------------------- relevance and topics


def test_chinese_crypto_vocabulary_makes_an_item_relevant() -> None:
    for title in ("韩国将审议加密交易所运营商", "虚拟资产交易平台发牌制度", "比特币矿场电费上涨"):
        assert classify(title).relevant, title


def test_a_blockchain_security_firm_analysis_is_crypto_security_news() -> None:
    got = classify("SlowMist: lending protocol drained through a price oracle flaw")
    assert got.relevant and "security" in got.topics
    got = classify("慢雾：某借贷协议被黑简析")
    assert got.relevant and "security" in got.topics


@pytest.mark.parametrize(
    "title",
    [
        "Coal miners strike over pay in Shanxi",
        "Central bank raises rates by 25 basis points",
        "Stock market closes higher on tech rally",
        "Payment app adds QR code checkout for tourists",
        "煤矿矿工安全事故调查报告",
    ],
)
def test_look_alikes_are_not_relevant(title: str) -> None:
    assert not classify(title).relevant


@pytest.mark.parametrize(
    ("title", "topic"),
    [
        ("Police bust crypto Ponzi scheme that duped 10,000 investors", "security"),
        ("Bitcoin price jumps as crypto market rallies", "investment"),
        ("Crypto startup raises $20 million in a Series A funding round", "investment"),
        ("Spot bitcoin ETF draws record inflows", "investment"),
        ("Coffee chain merchants now accept bitcoin payments", "adoption"),
        ("Regulator issues new licensing rules for crypto exchanges", "regulation"),
        ("Hackers drain a DeFi lending protocol through a flash loan", "defi"),
        ("Tether mints another billion USDT stablecoins", "stablecoins"),
        ("Bitcoin miners expand hashrate after the halving", "mining"),
        ("Central bank digital currency pilot expands to more cities", "cbdc"),
        ("Crypto exchange lists three new tokens", "exchanges"),
    ],
)
def test_each_topic_by_its_definition(title: str, topic: str) -> None:
    assert topic in classify(title).topics


def test_a_hack_is_security_not_regulation() -> None:
    got = classify("Crypto exchange hacked, $30 million stolen by attackers")
    assert "security" in got.topics and "regulation" not in got.topics


# ---------------------------------------------------------------- kinds of topic mistakes


def test_a_regulator_acting_makes_regulation_in_either_voice() -> None:
    active = classify("Manila's SEC fines a token issuer", "The bitcoin promoter must pay.")
    assert "regulation" in active.topics
    passive = classify("Crypto lender fined", "The bitcoin lender was fined by the regulator.")
    assert "regulation" in passive.topics
    chinese = classify("香港证监会批准两家虚拟资产交易平台", "两家加密货币平台下月开业。")
    assert "regulation" in chinese.topics


def test_a_firms_own_act_is_not_regulation() -> None:
    outage = classify(
        "Crypto exchange suspends withdrawals after wallet drained",
        "The bitcoin platform stopped deposits and warned users to wait until further notice.",
    )
    assert "regulation" not in outage.topics
    assert {"exchanges", "security"} <= set(outage.topics)


def test_an_act_far_from_who_acts_is_not_regulation() -> None:
    far = classify(
        "Bitcoin wallet maker hit by theft",
        "Police authorities in the capital have opened a case into the theft of customer "
        "coins from the wallet company. Separately, the company suspended its app.",
    )
    assert "regulation" not in far.topics


def test_a_weak_hint_counts_once_however_often_it_is_named() -> None:
    users = classify(
        "Bitcoin broker's users locked out", "The broker's users said other users could not log in."
    )
    assert "adoption" not in users.topics


def test_market_abuse_charged_by_a_regulator_is_regulation_not_security() -> None:
    abuse = classify(
        "Securities regulator sues token exchange over wash trading",
        "The crypto exchange inflated its volumes, the regulator said.",
    )
    assert "regulation" in abuse.topics and "security" not in abuse.topics


def test_an_investment_lure_is_security_not_investment() -> None:
    lure = classify(
        "Gang jailed over bitcoin investment scam",
        "The group lured investors with guaranteed returns on a fake crypto fund.",
    )
    assert "security" in lure.topics and "investment" not in lure.topics
    chinese = classify("警方破获假投资平台比特币诈骗案", "受害者超过三百人。")
    assert "investment" not in chinese.topics


def test_deals_funds_and_prices_are_investment() -> None:
    deal = classify(
        "Card firm agrees to buy crypto custodian", "The bitcoin deal values it at $1bn."
    )
    assert "investment" in deal.topics
    etf = classify("Asset managers file bitcoin exchange-traded funds", "Three firms applied.")
    assert "investment" in etf.topics and "exchanges" not in etf.topics
    gold = classify("Is bitcoin still digital gold?", "Analysts weigh the coin as a hedge.")
    assert "investment" in gold.topics


def test_a_joint_venture_is_not_an_investment() -> None:
    jv = classify(
        "Two banks form a joint venture to issue a stablecoin", "The stablecoin launches in May."
    )
    assert "investment" not in jv.topics


def test_a_crypto_compound_carries_the_topic_inside_it() -> None:
    assert "exchanges" in classify("虚拟资产交易平台遭警方搜查").topics
    assert "exchanges" in classify("加密货币交易所暂停提币").topics
    assert "mining" in classify("比特币矿工转往海外").topics


def test_a_central_bank_digital_currency_pilot_is_cbdc_when_not_named_so() -> None:
    pilot = classify(
        "Central bank pilots a digital currency for wholesale payments",
        "Five banks will settle with the new bitcoin-free digital currency.",
    )
    assert "cbdc" in pilot.topics
    envelopes = classify("央行在两座城市试点区块链电子货币", "居民可在商店使用。")
    assert "cbdc" in envelopes.topics
    crackdown = classify(
        "Central bank says crypto trading is illegal",
        "The central bank said digital currencies such as bitcoin disrupt finance.",
    )
    assert "cbdc" not in crackdown.topics


def test_crypto_payments_are_adoption() -> None:
    shop = classify("Coffee chain to accept crypto payments", "Customers can pay in bitcoin.")
    assert "adoption" in shop.topics
    chinese = classify("连锁餐厅接受比特币支付", "顾客可以用加密货币付款。")
    assert "adoption" in chinese.topics


def test_a_payments_company_buying_a_crypto_firm_is_not_adoption() -> None:
    deal = classify(
        "Payments group agrees to buy bitcoin wallet start-up",
        "The payments company said the crypto deal closes next quarter.",
    )
    assert "adoption" not in deal.topics and "investment" in deal.topics


def test_red_envelopes_are_a_cbdc_pilot_not_adoption() -> None:
    draw = classify(
        "City hands out digital yuan red envelopes",
        "Lottery winners can spend them at 3,000 merchants and shops in the district.",
    )
    assert draw.topics == ("cbdc",)
    chinese = classify("深圳试点数字人民币发放红包", "中签市民可在商户消费红包。")
    assert chinese.topics == ("cbdc",)
    festival = classify(
        "City to launch digital currency red envelopes for a shopping festival",
        "Many merchants installed QR codes to take part.",
    )
    assert festival.topics == ("cbdc",)
    uptake = classify(
        "Digital yuan red envelopes win over users as merchants sign up",
        "Lottery winners spent them at 3,000 shops.",
    )
    assert "adoption" in uptake.topics


def test_the_summary_of_an_incident_does_not_make_adoption_investment_or_stablecoins() -> None:
    hack = classify(
        "Crypto exchange hacked, $30 million stolen",
        "All deposits and payments are suspended; the exchange will compensate users. "
        "The stolen funds, valued at $30 million, moved as the bitcoin price fell.",
    )
    assert set(hack.topics) == {"exchanges", "security"}
    closure = classify(
        "Bitcoin exchange to shut down",
        "Its users' accounts move to a rival, which will make payments for the assets; "
        "customers' funds are safe, it said, as prices fell.",
    )
    assert "adoption" not in closure.topics and "investment" not in closure.topics
    police = classify("警方拘捕加密货币平台骗案三人", "平台用户可通过银行支付入金。")
    assert "adoption" not in police.topics
    # the coins a thief took (USDC, USDT) are what was stolen, not news about stablecoins
    bridge = classify("Bridge hacked, $600 million stolen", "The thief took ether and USDC.")
    assert "stablecoins" not in bridge.topics and "security" in bridge.topics
    depeg = classify("Stablecoin USDC loses its peg after hack", "Traders sold USDC.")
    assert "stablecoins" in depeg.topics


def test_an_incident_title_still_makes_the_topics_it_names() -> None:
    market = classify("Bitcoin price plunges after exchange hack", "Hackers stole $30 million.")
    assert {"investment", "security"} <= set(market.topics)


def test_a_regulators_earlier_warning_does_not_make_a_police_case_regulation() -> None:
    arrest = classify(
        "Police arrest influencer over crypto platform fraud",
        "The Securities and Futures Commission had warned the bitcoin platform that it "
        "had no licence.",
    )
    assert "security" in arrest.topics and "regulation" not in arrest.topics
    named = classify(
        "SFC says it warned crypto platform before fraud arrests",
        "The Securities and Futures Commission had warned the bitcoin platform that it "
        "had no licence.",
    )
    assert {"regulation", "security"} <= set(named.topics)


def test_accepting_alone_is_not_accepting_crypto() -> None:
    # 接受调查 is undergoing an investigation, 接受举报 taking reports: no crypto is accepted.
    reports = classify("内蒙古开通虚拟货币挖矿举报平台", "发改委接受市民举报挖矿活动。")
    assert "adoption" not in reports.topics
    probe = classify("比特币交易平台负责人被捕", "涉案艺人接受警方调查时称自己是受害者。")
    assert "adoption" not in probe.topics


def test_use_is_not_uptake() -> None:
    wallet = classify("比特币交易所称将使用冷钱包", "用户资产不受影响。")
    assert "adoption" not in wallet.topics


def test_words_that_also_name_other_things_only_hint_at_adoption() -> None:
    retail = classify(
        "Licensed exchange opens crypto trading to retail", "Retailers can now buy bitcoin."
    )
    assert "adoption" not in retail.topics
    salary = classify(
        "Regulator drops plan to limit crypto trading by income",
        "Only investors with a minimum salary would have been able to trade bitcoin.",
    )
    assert "adoption" not in salary.topics
    settlement = classify(
        "Central bank sets out plan for a digital currency",
        "The CBDC will cover cross-border payments between banks.",
    )
    assert "adoption" not in settlement.topics
    spending = classify("数字人民币试点扩大", "当地推出促消费政策。")
    assert "adoption" not in spending.topics


def test_the_mood_of_the_market_is_background_in_a_summary() -> None:
    layoffs = classify("Crypto exchange cuts staff", "It blamed the bear market.")
    assert "investment" not in layoffs.topics
    chinese = classify("比特币矿机排行", "在熊市中矿工仍有利润。")
    assert "investment" not in chinese.topics
    market = classify("Bitcoin enters a bear market", "Its price fell 20% in a week.")
    assert "investment" in market.topics


def test_a_founders_firm_named_by_the_way_is_not_defi() -> None:
    detained = classify(
        "Crypto founder detained over a falsified passport",
        "The fugitive Terra founder was held at the airport.",
    )
    assert "defi" not in detained.topics
    chain = classify("Terra blockchain halted", "The lending protocol on it was drained.")
    assert "defi" in chain.topics


def test_shoppers_and_the_public_taking_a_digital_currency_up_is_adoption() -> None:
    shop = classify(
        "E-commerce platform kicks off digital yuan trial",
        "Online shoppers paid with the digital currency at the country's second-largest "
        "online retailer.",
    )
    assert "adoption" in shop.topics
    chinese = classify("冬奥带旺数字人民币 闭环内外受欢迎", "不少民众也参与到数字人民币的试用中。")
    assert "adoption" in chinese.topics
