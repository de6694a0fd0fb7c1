"""Moving in from another newsletter service: its archive becomes issue files, its readers the
subscriber list.

    export.py     reading a Substack export (a .zip or its folder): posts and readers
    blocks.py     a post's HTML, sanitized -> plain blocks of escaped Markdown (pure)
    structure.py  the blocks -> an Issue: sections, items, intro, summary (pure)
    naming.py     a heading's country or topic, a link's outlet, a text's language (pure)
    plan.py       numbering the posts, and what to write, keep or skip (pure)
    run.py        the import at the edges: files written, subscribers recorded
"""
