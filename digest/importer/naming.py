"""What a post's parts are called: the country or topic a heading names, the outlet behind a
link, the language of a text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from digest.models import FeedConfig, Taxonomy

_DECORATION = re.compile(r"^[^\w]+|[^\w]+$")


def heading_tag(heading: str, taxonomy: Taxonomy) -> str | None:
    """The country code or topic slug a heading names ('🇨🇳 China' -> 'CN'), if any."""
    key = _DECORATION.sub("", heading).casefold()
    for code, country in taxonomy.countries.items():
        if key in {country.name.casefold(), code.casefold()}:
            return code
    for slug, topic in taxonomy.topics.items():
        if key in {topic.name.casefold(), slug.casefold()}:
            return slug
    return None


def section_heading(heading: str, taxonomy: Taxonomy) -> str:
    """The taxonomy's own name for a heading that names a country or topic; else the heading."""
    tag = heading_tag(heading, taxonomy)
    if tag in taxonomy.countries:
        return taxonomy.countries[tag].name
    if tag in taxonomy.topics:
        return taxonomy.topics[tag].name
    return heading


# Outlets whose names are not their host's first word.
KNOWN_OUTLETS = {
    "coindesk.com": "CoinDesk", "theblock.co": "The Block", "scmp.com": "South China Morning Post",
    "reuters.com": "Reuters", "bloomberg.com": "Bloomberg", "caixinglobal.com": "Caixin Global",
    "caixin.com": "Caixin", "cointelegraph.com": "Cointelegraph", "decrypt.co": "Decrypt",
    "forkast.news": "Forkast News", "ft.com": "Financial Times",
    "wsj.com": "The Wall Street Journal",
    "nytimes.com": "The New York Times", "nikkei.com": "Nikkei", "asia.nikkei.com": "Nikkei Asia",
    "coindeskjapan.com": "CoinDesk Japan", "8btc.com": "8btc", "odaily.news": "Odaily",
    "chaincatcher.com": "ChainCatcher", "wublock.substack.com": "Wu Blockchain",
    "theguardian.com": "The Guardian", "cnbc.com": "CNBC", "yna.co.kr": "Yonhap",
    "koreaherald.com": "The Korea Herald", "straitstimes.com": "The Straits Times",
    "twitter.com": "Twitter", "x.com": "X", "sina.com.cn": "Sina", "qq.com": "Tencent News",
    "weibo.com": "Weibo", "gov.cn": "Chinese government", "pbc.gov.cn": "People's Bank of China",
    "mas.gov.sg": "Monetary Authority of Singapore", "fsa.go.jp": "Japan FSA",
}  # fmt: skip


def outlet_names(feeds: Iterable[FeedConfig]) -> dict[str, str]:
    """host -> name: the newsletter's own feeds, then the known outlets."""
    names = dict(KNOWN_OUTLETS)
    for feed in feeds:
        host = host_of(feed.url)
        if host:
            names[host] = feed.name
    return names


def outlet_name(url: str, outlets: dict[str, str]) -> str:
    """A readable outlet name for a link: 'https://www.coindesk.com/x' -> 'CoinDesk'."""
    host = host_of(url)
    labels = host.split(".")
    for start in range(len(labels) - 1):
        known = outlets.get(".".join(labels[start:]))
        if known:
            return known
    if not host:
        return ""
    # the label before the suffix: 'decrypt.co' -> decrypt, 'yna.co.kr' -> yna
    short_suffix = len(labels) >= 3 and len(labels[-2]) <= 3
    core = labels[-3] if short_suffix else labels[-2] if len(labels) > 1 else labels[0]
    return core[:1].upper() + core[1:]


def host_of(url: str | None) -> str:
    try:
        host = (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_HAN = re.compile(r"[\u3400-\u9fff]")


def text_language(text: str, newsletter: str) -> str | None:
    """'zh', 'ja' or 'ko' when a text is mostly in that script and the newsletter is not."""
    letters = sum(ch.isalpha() for ch in text)
    kana, hangul, han = (len(p.findall(text)) for p in (_KANA, _HANGUL, _HAN))
    if not letters or (kana + hangul + han) * 2 < letters:
        return None
    tag = "ja" if kana else "ko" if hangul > han else "zh"
    return None if newsletter.split("-")[0].lower() == tag else tag
