"""Which countries and topics an entry is about, and whether it belongs in the newsletter.

    matcher.py      the compiled matcher: Aho-Corasick automata over a taxonomy's terms
    terms.py        a taxonomy's terms and their tags -> its Matcher; the rules' fingerprint
    rules.py        scoring: an entry's hits -> its countries, topics and relevance
    corrections.py  an editor's +TAG/-TAG over the verdict; the reasons in words (--explain)

Pure: no I/O. The store (digest/store/corrections.py) decides when an item is classified.
"""

from digest.classify.corrections import (
    EDITOR_REASON,
    apply_overrides,
    classify_with_overrides,
    explain,
    known_tags,
)
from digest.classify.matcher import RELEVANT, Hit, Matcher, Scan, is_case_sensitive
from digest.classify.rules import PRIOR_REASON, classify_entry, classify_text
from digest.classify.terms import RULES_VERSION, matcher_for, rules_fingerprint

__all__ = [
    "EDITOR_REASON",
    "PRIOR_REASON",
    "RELEVANT",
    "RULES_VERSION",
    "Hit",
    "Matcher",
    "Scan",
    "apply_overrides",
    "classify_entry",
    "classify_text",
    "classify_with_overrides",
    "explain",
    "is_case_sensitive",
    "known_tags",
    "matcher_for",
    "rules_fingerprint",
]
