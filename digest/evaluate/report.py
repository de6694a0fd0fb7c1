"""A report printed: the text table, and the figures as plain data for `--json`."""

from __future__ import annotations

from typing import Any

from digest.evaluate.scores import Report, Score, StoryScore


def format_report(report: Report, show_misses: bool = False) -> list[str]:
    languages = ", ".join(f"{n} {lang}" for lang, n in sorted(report.languages.items()))
    lines = [f"{report.items} items" + (f" ({languages})" if languages else "")]
    cm, tm, st = report.country_micro, report.topic_micro, report.stories
    lines += [
        "",
        f"relevance accuracy   {report.relevance_accuracy:.3f}",
        f"country micro-F1     {cm.f1:.3f}  (precision {cm.precision:.3f}, recall {cm.recall:.3f})",
        f"topic micro-F1       {tm.f1:.3f}  (precision {tm.precision:.3f}, recall {tm.recall:.3f})",
        f"story pairwise F1    {st.f1:.3f}  (precision {st.precision:.3f}, recall {st.recall:.3f}, "
        f"{st.true_pos + st.false_neg} pairs)",
        "",
        f"{'stories':<22} {'prec':>6} {'recall':>6} {'F1':>6}  cross-language found",
    ]
    for name, score in (
        ("in memory", report.story_detail),
        ("after digest fetch", report.after_fetch),
    ):
        if score is not None:
            p = score.pairs
            lines.append(
                f"{name:<22} {p.precision:6.3f} {p.recall:6.3f} {p.f1:6.3f}  "
                f"{score.cross_found}/{score.cross_expected} ({score.cross_share:.3f})"
            )
    lines += ["", f"{'label':<14} {'prec':>6} {'recall':>6} {'F1':>6}  n"]
    for kind, scores in (("country", report.countries), ("topic", report.topics)):
        for label in sorted(scores, key=lambda k: (-(scores[k].true_pos + scores[k].false_neg), k)):
            s = scores[label]
            if kind == "topic" and label in report.unlabelled_topics:
                lines.append(
                    f"{kind[0]}:{label:<12} not labelled in this set, tagged {s.false_pos}"
                )
                continue
            lines.append(
                f"{kind[0]}:{label:<12} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}  "
                f"{s.true_pos + s.false_neg}"
            )
    if show_misses and report.misses:
        lines += ["", "misses:"]
        lines += [
            f"  {m.id:<8} {m.what:<9} expected {m.expected:<22} got {m.got:<22} {m.title[:50]}"
            for m in report.misses
        ]
    return lines


def report_json(report: Report) -> dict[str, Any]:
    """The figures as plain data, for `--json`."""

    def score(s: Score) -> dict[str, Any]:
        return {
            "precision": round(s.precision, 4),
            "recall": round(s.recall, 4),
            "f1": round(s.f1, 4),
            "true_pos": s.true_pos,
            "false_pos": s.false_pos,
            "false_neg": s.false_neg,
        }

    def stories(s: StoryScore | None) -> dict[str, Any] | None:
        if s is None:
            return None
        return {
            **score(s.pairs),
            "cross_language_found": s.cross_found,
            "cross_language_expected": s.cross_expected,
            "cross_language_share": round(s.cross_share, 4),
        }

    return {
        "items": report.items,
        "languages": report.languages,
        "relevance_accuracy": round(report.relevance_accuracy, 4),
        "country_micro": score(report.country_micro),
        "topic_micro": score(report.topic_micro),
        "countries": {k: score(v) for k, v in sorted(report.countries.items())},
        "topics": {
            k: score(v)
            for k, v in sorted(report.topics.items())
            if k not in report.unlabelled_topics
        },
        "topics_not_labelled": sorted(report.unlabelled_topics),
        "stories_in_memory": stories(report.story_detail),
        "stories_after_fetch": stories(report.after_fetch),
    }
