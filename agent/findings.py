"""What a draft is and what an analyzer says of it: the shapes that flow one
way, draft -> analyzers -> result. Plain data, importing nothing of onbrand,
so the text features (a brand rule's hints) and the analyzers share them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["info", "warn", "alert"]


@dataclass(frozen=True)
class Draft:
    text: str
    platform: str | None = None
    brand: str = "default"
    reply_to: str | None = None
    # Scoring an approved post after the fact (the dashboard's history): compare
    # it with every post but itself.
    exclude_post: int | None = None


@dataclass
class Hint:
    kind: str
    severity: Severity
    message: str
    span: tuple[int, int] | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "span": list(self.span) if self.span else None,
            "evidence": self.evidence,
        }


@dataclass
class Score:
    value: int | None  # 0-100, None when there is not enough to judge
    label: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, **self.detail}


@dataclass
class Finding:
    scores: dict[str, Score] = field(default_factory=dict)
    hints: list[Hint] = field(default_factory=list)
    extra: dict[str, Any] = field(
        default_factory=dict
    )  # merged into the result (nearest, passages)
