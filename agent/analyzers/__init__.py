"""The analyzers, run in this order over every draft."""

from __future__ import annotations

from agent.analyzers.base import Analyzer, BrandView, Draft, Finding, Hint, Score
from agent.analyzers.guidelines import GuidelinePassages
from agent.analyzers.originality import Originality
from agent.analyzers.risk import Risk
from agent.analyzers.rules import Rules
from agent.analyzers.specificity import Specificity
from agent.analyzers.voice_drift import VoiceDrift


def default_analyzers() -> list[Analyzer]:
    return [Originality(), VoiceDrift(), Specificity(), Risk(), Rules(), GuidelinePassages()]


__all__ = ["Analyzer", "BrandView", "Draft", "Finding", "Hint", "Score", "default_analyzers"]
