"""Memory across issues: what earlier issues covered, named in an entry's "Previously"."""

from __future__ import annotations

import datetime as dt

from support.drafting import TAXONOMY, draft_of, story_item

from digest.draft import Memory, covered_names
from digest.models import Issue, IssueItem, Section


def test_previously_names_the_earlier_issue_that_covered_a_name() -> None:
    earlier = Issue(
        number=20,
        date=dt.date(2021, 6, 1),
        title="Earlier",
        sections=(Section("China", items=(IssueItem(title="Bitmain opens a Texas farm",
                                                   body="The PBoC said nothing."),)),),
    )  # fmt: skip
    names = covered_names([earlier], TAXONOMY)
    assert {"Bitmain", "PBoC", "Texas"} <= set(names)
    assert "China" not in names and "Bitcoin" not in names  # too broad to link issues
    items = [
        story_item("a", "Bitmain moves rigs to Kazakhstan"),
        story_item("b", "Miners in China go quiet", summary="<p>Bitcoin falls.</p>"),
    ]
    issue = draft_of(items, memory=Memory(names=names))
    by_id = {entry.id: entry for entry in issue.items}
    assert by_id["a"].previously == (20,)
    assert by_id["b"].previously == ()


def test_previously_ignores_generic_capitalised_words() -> None:
    earlier = Issue(
        number=21,
        date=dt.date(2021, 7, 1),
        title="Earlier",
        sections=(Section("China", items=(
            IssueItem(title="Hashrate Recovers as Difficulty Drops",
                      body="- Difficulty: down 28%, the largest cut as mining difficulty resets."),
            IssueItem(title="Amber Group closes a $100 million Series B",
                      body="The round follows Poolin's expansion. See [it](https://amber.example)."),
        )),),
    )  # fmt: skip
    names = covered_names([earlier], TAXONOMY)
    assert {"Amber Group", "Poolin"} <= set(names)  # never written in lower case: names
    assert not {"Difficulty", "Difficulty Drops", "Series B", "Hashrate Recovers"} & set(names)
    items = [
        story_item("a", "Difficulty Rises Again", summary="<p>A Series B for miners.</p>"),
        story_item("b", "Poolin opens a pool in Kazakhstan"),
    ]
    by_id = {entry.id: entry for entry in draft_of(items, memory=Memory(names=names)).items}
    assert by_id["a"].previously == () and by_id["b"].previously == (21,)


def test_a_generic_word_never_links_issues() -> None:
    earlier = Issue(
        number=20,
        date=dt.date(2021, 6, 1),
        title="Earlier",
        sections=(Section("Japan", items=(
            IssueItem(title="Securities firms weigh crypto", body="Securities regulators met."),
            IssueItem(title="Central Bank Says It Will Study Crypto", body="Exchange rules."),
        )),),
    )  # fmt: skip
    names = covered_names([earlier], TAXONOMY)
    assert not {"Securities", "Exchange", "Central Bank", "Central Bank Says", "Crypto"} & set(
        names
    )
    items = [story_item("a", "Securities Exchange lists a Crypto fund", summary="<p>Bank.</p>")]
    assert draft_of(items, memory=Memory(names=names)).items[0].previously == ()


def test_a_name_most_issues_covered_never_links() -> None:
    issues = [
        Issue(number=n, date=dt.date(2021, 6, n), title="Earlier", sections=(Section("China",
              items=(IssueItem(title=f"Poolin opens office {n}", body="Bitmain too." if n == 1
                               else "Nothing else."),)),))
        for n in range(1, 6)
    ]  # fmt: skip
    names = covered_names(issues, TAXONOMY)
    assert "Poolin" not in names  # in all five issues: an everyday word of this newsletter
    assert names["Bitmain"] == (1,)
