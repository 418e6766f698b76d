"""Guideline passages: quote the one or two passages of the brand's guidelines
that speak to this draft."""

from __future__ import annotations

from agent.analyzers.base import BrandView, Draft, Finding, Hint

TOP = 2
# Below this cosine a passage is about something else; a quote that does not
# apply is worse than none.
MIN_SIMILARITY = 0.2


class GuidelinePassages:
    name = "guidelines"

    def analyze(self, draft: Draft, view: BrandView) -> Finding:
        state = view.state
        hits = [
            (i, s) for i, s in state.passages_index.search(view.vec, TOP) if s >= MIN_SIMILARITY
        ]
        passages = []
        for pid, sim in hits:
            p = state.passages.get(pid)
            if p is None:
                continue
            passages.append(
                {
                    "passage_id": pid,
                    "doc": p.doc,
                    "heading": p.heading,
                    "text": p.text,
                    "similarity": round(sim, 4),
                }
            )
        hints = [
            Hint(
                "guideline",
                "info",
                f"{p['heading']}: {p['text']}",
                evidence={"passage_id": p["passage_id"]},
            )
            for p in passages[:1]
        ]
        return Finding(hints=hints, extra={"passages": passages})
