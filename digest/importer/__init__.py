"""Moving in from another newsletter service: its archive becomes issue files, its readers the
subscriber list.

    export.py     reading a Substack export (a .zip or its folder): posts and readers
    structure.py  a post's HTML -> an Issue: sections, items, intro, summary (pure)
    plan.py       numbering the posts, and what to write, keep or skip (pure)
    run.py        the import at the edges: files written, subscribers recorded
"""
