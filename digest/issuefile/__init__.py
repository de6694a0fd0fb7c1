"""issues/N.yaml <-> Issue: the one owner of the issue format.

Reading checks the editor's file field by field: every schema error names the file, the line,
the field path and what is expected, so the editor can fix it without reading code. Writing
(`write_issue_text`, for drafts) and the plain mapping (`issue_to_data` / `issue_from_data`,
for caches) follow the same keys, so a new key is added here and in models.Issue only.

    reader.py   the keys, and reading a file into an Issue
    data.py     an Issue written as the file's text or as a plain mapping, and read back
    folder.py   which files in issues/ are issues, and loading issue N
"""

from __future__ import annotations

from digest.issuefile.data import issue_from_data, issue_to_data, item_anchor, write_issue_text
from digest.issuefile.folder import (
    issue_files,
    issue_numbers,
    issue_path,
    load_issue,
    misnamed_issue_files,
)
from digest.issuefile.reader import (
    FOLLOW_UP_KEYS,
    ISSUE_KEYS,
    ITEM_KEYS,
    LINK_KEYS,
    SECTION_KEYS,
    TIMELINE_KEYS,
    is_language_tag,
    load_issue_file,
)

__all__ = [
    "FOLLOW_UP_KEYS",
    "ISSUE_KEYS",
    "ITEM_KEYS",
    "LINK_KEYS",
    "SECTION_KEYS",
    "TIMELINE_KEYS",
    "is_language_tag",
    "issue_files",
    "issue_from_data",
    "issue_numbers",
    "issue_path",
    "issue_to_data",
    "item_anchor",
    "load_issue",
    "load_issue_file",
    "misnamed_issue_files",
    "write_issue_text",
]
