"""The member names xAPI allows in each object of a statement (xAPI 1.0.3 Data §2; 2.0 adds its own in
``statement``): one definition, read by the full validator and by the quick walk it is held to."""

from __future__ import annotations

TOP = frozenset({"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
                 "version", "attachments"})
SUB = frozenset({"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"})
VERB = frozenset({"id", "display"})
ACTIVITY = frozenset({"objectType", "id", "definition"})
REF = frozenset({"objectType", "id"})
DEFINITION = frozenset({"name", "description", "type", "moreInfo", "extensions", "interactionType",
                        "correctResponsesPattern", "choices", "scale", "source", "target", "steps"})
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
COMPONENT = frozenset({"id", "description"})
INTERACTION_TYPES = frozenset({"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance",
                               "sequencing", "likert", "numeric", "other"})
RESULT = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
SCORE = frozenset({"scaled", "raw", "min", "max"})
CONTEXT_1 = frozenset({"registration", "instructor", "team", "contextActivities", "revision", "platform",
                       "language", "statement", "extensions"})
CONTEXT_ACTIVITIES = frozenset({"parent", "grouping", "category", "other"})
ATTACHMENT = frozenset({"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"})
