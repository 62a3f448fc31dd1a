"""Per-mention scoring: language, sentiment, complaint probability, escalation cues, score."""

from __future__ import annotations

from monitor.scoring.scorer import MentionScorer, reach

__all__ = ["MentionScorer", "reach"]
