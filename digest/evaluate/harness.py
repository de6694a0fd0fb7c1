"""The items grouped into stories: in memory, and as the editor sees them after one fetch.

In memory, the stories module groups the items on their own dates. After a fetch, every outlet
is written as a local RSS file in a throwaway newsletter, the real `digest fetch` reads them
into a real store, and each item's story is read back from it. The feed files carry the items'
real dates (noon UTC of the day, see sets.py); an item without one gets no pubDate.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import tempfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import yaml

from digest.config import load_config
from digest.evaluate.sets import EvalSet, Labelled, feed_dates, item_times
from digest.models import FeedConfig, Item
from digest.refresh import run_fetch
from digest.store import open_store
from digest.stories import group_stories


def stories_in_memory(
    items: Sequence[Labelled], threshold: float, now: dt.datetime | None = None
) -> dict[str, str]:
    """The stories module's grouping of the items, on their own dates (an undated item on
    `now`, the moment a fetch would first see it)."""
    when = item_times(items, now or dt.datetime.now(dt.UTC))
    return dict(group_stories([_as_item(it, when[it.id]) for it in items], threshold))


def _as_item(it: Labelled, when: dt.datetime) -> Item:
    return Item(
        id=it.id,
        feed=it.feed,
        guid=None,
        url=it.url,
        title=it.title,
        summary_html="",
        summary_text=it.summary,
        published=when if it.date is not None else None,
        first_seen=when,
    )


def stories_after_fetch(eval_set: EvalSet, threshold: float) -> dict[str, str]:
    """Item id -> the story id the store gives it after one `digest fetch` of the items,
    written as one local RSS file per feed in a throwaway newsletter folder."""
    with tempfile.TemporaryDirectory(prefix="digest-eval-") as tmp:
        root = Path(tmp)
        write_newsletter(root, eval_set, threshold, feed_dates(eval_set.items))
        config = load_config(root)
        run_fetch(config)
        with open_store(config) as store:
            stored = list(store.iter_items())
    by_guid = {item.guid: item for item in stored if item.guid}
    by_url = {item.url: item for item in stored if item.url}
    story: dict[str, str] = {}
    for labelled in eval_set.items:
        # An item the store merged into another (same link) is in that item's story.
        found = by_guid.get(labelled.id) or by_url.get(labelled.url or "")
        story[labelled.id] = (found.story or found.id) if found else f"absent:{labelled.id}"
    return story


def write_newsletter(
    root: Path, eval_set: EvalSet, threshold: float, dates: Mapping[str, dt.datetime]
) -> None:
    """feeds.yaml and one RSS file per feed (local paths) holding the set's items."""
    by_feed: dict[str, list[Labelled]] = defaultdict(list)
    for item in eval_set.items:
        by_feed[item.feed].append(item)
    feeds_dir = root / "eval-feeds"
    feeds_dir.mkdir(parents=True)
    feeds = []
    for name, items in by_feed.items():
        path = feeds_dir / f"{name}.xml"
        path.write_text(rss_document(name, items, dates), encoding="utf-8")
        prior = eval_set.feeds.get(name)
        entry: dict[str, Any] = {"name": name, "url": str(path)}
        if prior is not None:
            entry.update(
                {k: v for k, v in _priors(prior).items() if v},
            )
        feeds.append(entry)
    config = {
        "newsletter": {"name": "Evaluation", "url": "https://eval.example.org/"},
        "fetch": {"workers": 2, "timeout": 10},
        "stories": {"threshold": threshold},
        "feeds": feeds,
    }
    (root / "feeds.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")


def _priors(feed: FeedConfig) -> dict[str, Any]:
    return {"country": feed.country, "topics": list(feed.topics), "language": feed.language}


def rss_document(title: str, items: Sequence[Labelled], dates: Mapping[str, dt.datetime]) -> str:
    """An RSS 2.0 document with the items: guid = item id, link = its URL when it has one,
    pubDate = its date in `dates` when it has one."""
    entries = []
    for it in items:
        parts = [
            f"<title>{escape(it.title)}</title>",
            f"<guid isPermaLink={quoteattr('false')}>{escape(it.id)}</guid>",
            f"<description>{escape(it.summary)}</description>",
        ]
        if it.id in dates:
            parts.append(
                f"<pubDate>{email.utils.format_datetime(dates[it.id], usegmt=True)}</pubDate>"
            )
        if it.url:
            parts.append(f"<link>{escape(it.url)}</link>")
        entries.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://eval.example.org/</link>\n"
        + "\n".join(entries)
        + "\n</channel></rss>\n"
    )
