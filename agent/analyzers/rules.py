"""Brand rules: the checks of the brand's rules.toml (agent/text/rules.py), with
spans and replacements, as hints of kind "rule", one per broken rule."""

from __future__ import annotations

from agent.analyzers.base import BrandView, Draft, Finding, Score, prepared
from agent.brand import BrandState
from agent.messages import say


class Rules:
    name = "rules"

    def prepare(self, draft: Draft, state: BrandState) -> Finding:
        return self._check(draft, state)  # rules need only the text

    def analyze(self, draft: Draft, view: BrandView) -> Finding:
        done = prepared(view, self.name)
        return done if done is not None else self._check(draft, view.state)

    @staticmethod
    def _check(draft: Draft, state: BrandState) -> Finding:
        ruleset = state.rules
        if ruleset is None:
            return Finding()
        hints = ruleset.check(draft.text, draft.platform)  # one per broken rule
        counts = {s: sum(h.severity == s for h in hints) for s in ("alert", "warn", "info")}
        broken = sorted({h.evidence["rule"] for h in hints})
        matches = sum(int(h.evidence.get("hits", 1)) for h in hints)
        lang = getattr(state, "language", "en")
        if hints:
            one = "{n} rule broken ({names})"
            label = say(
                lang,
                one if len(broken) == 1 else "{n} rules broken ({names})",
                n=len(broken),
                names=", ".join(broken),
            )
        else:
            label = say(lang, "All {n} brand rules pass", n=len(ruleset))
        detail = {
            "rules": len(ruleset),
            "hits": len(hints),
            "matches": matches,
            "by_severity": counts,
            "broken": broken,
        }
        # Each broken rule counts once, however often it is broken: five "I"s are
        # one thing to fix.
        value = max(0, 100 - 25 * counts["alert"] - 10 * counts["warn"] - 3 * counts["info"])
        return Finding(scores={"rules": Score(value, label, detail)}, hints=hints)
