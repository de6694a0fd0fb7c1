"""`digest draft N`: the store turned into a ready-to-edit issues/N.yaml.

The middle is pure: from the items of a date range (`range`), what earlier issues used and
covered (`memory`), and the newsletter's settings, `build_draft` (`compose`) chooses stories
(`choice`), lays them out as an Issue (`layout`: one entry per story, grouped and ranked) and
`draft_yaml` writes its text. `make_draft` and `write_draft` (`io`) are the I/O around it: they
read the store and the issue files, and write the draft without ever losing an editor's file.
"""

from digest.draft.choice import (
    DEFAULT_MAX_ITEMS,
    DraftStats,
    Pick,
    Story,
    choose_stories,
    sketch,
    story_of,
    story_rank,
)
from digest.draft.compose import (
    Draft,
    DraftPlan,
    build_draft,
    compose_draft,
    draft_yaml,
    plan_draft,
)
from digest.draft.io import (
    DraftOptions,
    DraftOutcome,
    Unused,
    issues_besides,
    keep_backup,
    make_draft,
    unused_items,
    write_draft,
)
from digest.draft.layout import DraftSettings, issue_entry, resolve_topic
from digest.draft.memory import (
    Memory,
    covered_names,
    covered_stories,
    issue_memory,
    previously,
    used_keys,
)
from digest.draft.range import DraftRange, draft_range
from digest.markdown import summary_markdown

__all__ = [
    "DEFAULT_MAX_ITEMS",
    "Draft",
    "DraftOptions",
    "DraftOutcome",
    "DraftPlan",
    "DraftRange",
    "DraftSettings",
    "DraftStats",
    "Memory",
    "Pick",
    "Story",
    "Unused",
    "build_draft",
    "choose_stories",
    "compose_draft",
    "covered_names",
    "covered_stories",
    "draft_range",
    "draft_yaml",
    "issue_entry",
    "issue_memory",
    "issues_besides",
    "keep_backup",
    "make_draft",
    "plan_draft",
    "previously",
    "resolve_topic",
    "sketch",
    "story_of",
    "story_rank",
    "summary_markdown",
    "unused_items",
    "used_keys",
    "write_draft",
]
