"""xAPI Profiles Patterns (Structure §9) and the matching of Communication §2.2.

A Pattern is exactly one of ``sequence``, ``alternates``, ``optional``, ``oneOrMore``, ``zeroOrMore``
over the ids of other Patterns or of Statement Templates. A series of statements (each reduced to the
ids of the templates it validated against, in timestamp order) follows a profile when one of the
profile's **primary** patterns matches the whole series (``follows``).

``Matcher.matches`` is the spec's pseudocode read literally: greedy, no backtracking, with its three
outcomes (success, partial: the statements ran out in the middle, failure) and its quirks (the spec
itself notes that ``optional`` or ``zeroOrMore`` directly inside ``alternates`` may give failure where
partial is right). Positions stand for the pseudocode's list slices, so nothing is copied. Because
``matches(position, element)`` depends on nothing else, results are memoised: a pattern that reuses a
sub-pattern many times (legal, and exponential when expanded as a tree) costs at most positions x
elements steps, and a work budget bounds even that. The matcher also notes the furthest statement
at which a template was expected and not found, so a failure can say where and what was expected.

Profile documents are untrusted: a malformed pattern, a reference to nothing, a pattern that contains
itself, or nesting deeper than ``MAX_DEPTH`` is a ``PatternError`` naming the pattern, never a
traceback or an endless loop. The authoring rules that matching does not need (primary patterns carry
a prefLabel and a definition, at least two members in alternates and sequence) are not judged here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

KINDS = ("sequence", "alternates", "optional", "oneOrMore", "zeroOrMore")
LISTS = ("sequence", "alternates")  # the kinds whose value is an array; the others name one member
MAX_DEPTH = 64  # patterns within patterns
MAX_STEPS = 2_000_000  # matches() evaluations for one series
SECTION = "xAPI Profiles Structure §9; Communication §2.2"
Result = Literal["success", "partial", "failure"]


class PatternError(ValueError):
    """A pattern cannot be used for matching; says which and why."""


@dataclass(frozen=True)
class Pattern:
    id: str
    kind: str  # one of KINDS
    members: tuple[str, ...]  # pattern or template ids (one for optional, oneOrMore, zeroOrMore)
    primary: bool = False
    pref_label: dict[str, str] = field(default_factory=dict)

    def label(self) -> str:
        return self.pref_label.get("en") or next(iter(self.pref_label.values()), self.id)


def _id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise PatternError(f"{where}: must be the id (IRI) of a Pattern or Statement Template")
    return value


def parse_pattern(data: Any, where: str) -> Pattern:
    """A pattern of a profile document (Structure §9); ``PatternError`` naming ``where`` otherwise."""
    if not isinstance(data, dict):
        raise PatternError(f"{where}: a pattern must be an object")
    pid = data.get("id")
    if not isinstance(pid, str) or not pid:
        raise PatternError(f"{where}: a pattern needs an id")
    where = f"{where} ({pid})"
    if data.get("type") != "Pattern":
        raise PatternError(f"{where}: type must be Pattern")
    kinds = [k for k in KINDS if k in data]
    if len(kinds) != 1:
        raise PatternError(f"{where}: a pattern must have exactly one of {', '.join(KINDS)} (Structure §9)")
    kind = kinds[0]
    value = data[kind]
    if kind in LISTS:
        if not isinstance(value, list) or not value:
            raise PatternError(f"{where}: {kind} must be a non-empty array of ids")
        members = tuple(_id(v, f"{where}.{kind}[{i}]") for i, v in enumerate(value))
    else:
        members = (_id(value, f"{where}.{kind}"),)
    primary = data.get("primary", False)
    if not isinstance(primary, bool):
        raise PatternError(f"{where}: primary must be true or false")
    label = data.get("prefLabel") or {}
    if not isinstance(label, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in label.items()):
        raise PatternError(f"{where}: prefLabel must be a language map of strings")
    return Pattern(pid, kind, members, primary, dict(label))


class Catalog:
    """The patterns and template ids of the loaded profile documents, every reference resolved (a
    profile MAY reuse another's templates and patterns, Structure §9), no pattern within itself."""

    def __init__(self, patterns: Iterable[Pattern], template_ids: Iterable[str]) -> None:
        self.patterns: dict[str, Pattern] = {}
        for p in patterns:
            self.patterns.setdefault(p.id, p)
        self.templates = frozenset(template_ids) - set(self.patterns)
        for p in self.patterns.values():
            for m in p.members:
                if m not in self.patterns and m not in self.templates:
                    raise PatternError(f"pattern {p.id}: {m} is neither a Pattern nor a Statement Template of the "
                                       "loaded profile documents")
        self._check_nesting()

    def _check_nesting(self) -> None:
        """No pattern contains itself at any depth, none nests deeper than ``MAX_DEPTH`` (iterative: a
        hostile document's depth never reaches Python's recursion limit)."""
        depth: dict[str, int] = {}  # finished: the longest chain of patterns below, itself included
        for root in self.patterns:
            if root in depth:
                continue
            path: list[str] = [root]
            todo: list[Iterable[str]] = [iter(self._sub(root))]
            while todo:
                child = next(todo[-1], None)
                if child is None:
                    done = path.pop()
                    todo.pop()
                    depth[done] = 1 + max((depth[c] for c in self._sub(done)), default=0)
                    if depth[done] > MAX_DEPTH:
                        raise PatternError(f"pattern {done}: patterns nested deeper than {MAX_DEPTH} levels")
                    continue
                if child in path:
                    raise PatternError(f"pattern {child}: contains itself (through {' -> '.join(path)}); "
                                       "Structure §9 forbids it")
                if child not in depth:
                    path.append(child)
                    todo.append(iter(self._sub(child)))

    def _sub(self, pid: str) -> list[str]:
        return [m for m in self.patterns[pid].members if m in self.patterns]

    def templates_of(self, pattern_id: str) -> set[str]:
        """Every template id reachable from the pattern."""
        out: set[str] = set()
        seen: set[str] = set()
        todo = [pattern_id]
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            for m in self.patterns[pid].members:
                if m in self.patterns:
                    todo.append(m)
                else:
                    out.add(m)
        return out


class BudgetExceeded(PatternError):
    """Matching one series took more than ``MAX_STEPS`` evaluations."""


class Matcher:
    """Communication §2.2 ``matches`` over one series of template-id sets."""

    def __init__(self, catalog: Catalog, series: Sequence[frozenset[str]], *, max_steps: int = MAX_STEPS) -> None:
        self.catalog = catalog
        self.series = series
        self.n = len(series)
        self.max_steps = max_steps
        self.steps = 0
        self.memo: dict[tuple[int, str], tuple[Result, int]] = {}
        self.furthest = -1  # the furthest position where a template was expected (n: after the last statement)
        self.expected: set[str] = set()  # the template ids expected there

    def _note(self, pos: int, template: str) -> None:
        if pos > self.furthest:
            self.furthest, self.expected = pos, {template}
        elif pos == self.furthest:
            self.expected.add(template)

    def matches(self, pos: int, element: str) -> tuple[Result, int]:
        """(outcome, position of the first statement not consumed); ``self.n``: none is left."""
        key = (pos, element)
        got = self.memo.get(key)
        if got is None:
            self.steps += 1
            if self.steps > self.max_steps:
                raise BudgetExceeded(f"matching took more than {self.max_steps:,} steps")
            got = self.memo[key] = self._matches(pos, element)
        return got

    def _matches(self, pos: int, element: str) -> tuple[Result, int]:
        n = self.n
        pattern = self.catalog.patterns.get(element)
        if pattern is None:  # a Statement Template
            if pos == n:
                self._note(pos, element)
                return "partial", n
            if element in self.series[pos]:
                return "success", pos + 1
            self._note(pos, element)
            return "failure", pos
        members = pattern.members
        if pattern.kind == "sequence":
            nxt = pos
            for member in members:
                outcome, nxt = self.matches(nxt, member)
                if outcome == "failure":
                    return "failure", pos
                if outcome == "partial":
                    return "partial", n
            return "success", nxt
        if pattern.kind == "alternates":
            best: Result = "failure"
            rest = pos
            for member in members:
                outcome, left = self.matches(pos, member)
                if outcome == "success":
                    best = "success"
                    rest = max(rest, left)  # "shorter remaining statements": further on
                if outcome == "partial" and best == "failure":
                    best = "partial"
            return ("partial", n) if best == "partial" else (best, rest)
        inner = members[0]
        if pattern.kind == "oneOrMore":
            matched: Result = "failure"
            last = pos
            while True:
                outcome, nxt = self.matches(last, inner)
                if outcome == "success":
                    matched = "success"
                elif matched == "failure" and outcome == "partial":
                    return "partial", n
                else:
                    if outcome == "partial" and last != n:
                        return "partial", last
                    return matched, last
                if nxt == last:
                    return "success", nxt
                last = nxt
        if pattern.kind == "zeroOrMore":
            last = pos
            while True:
                outcome, nxt = self.matches(last, inner)
                if outcome == "failure":
                    return "success", last
                if outcome == "partial" and nxt != n:
                    return "partial", nxt
                if nxt == last:
                    return "success", nxt
                last = nxt
        # optional
        if pos == n:
            return "success", n
        outcome, nxt = self.matches(pos, inner)
        return (outcome, nxt) if outcome in ("success", "partial") else ("success", pos)


@dataclass(frozen=True)
class Verdict:
    """How a series fared against a profile's primary patterns.

    ``outcome``: ``success`` (one pattern matched every statement), ``partial`` (the best pattern ran out
    of statements in its middle), ``extra`` (a pattern matched, but statements are left after it) or
    ``failure``. Unless success: ``pattern`` is the primary pattern that got furthest, ``at`` the
    position where it stopped (``len(series)``: after the last statement), ``expected`` the template ids
    it would have accepted there."""

    outcome: Literal["success", "partial", "extra", "failure"]
    pattern: Pattern | None = None
    at: int | None = None
    expected: frozenset[str] = frozenset()


def follows(catalog: Catalog, primaries: Sequence[Pattern], series: Sequence[frozenset[str]], *,
            allow_partial: bool = False, max_steps: int = MAX_STEPS) -> Verdict:
    """Communication §2.2 ``follows`` after template validation: success when a primary pattern matches
    the whole series (with ``allow_partial``, also when one is only cut short by the end of the series)."""
    best: Verdict | None = None
    for pattern in primaries:
        m = Matcher(catalog, series, max_steps=max_steps)
        outcome, rest = m.matches(0, pattern.id)
        if outcome == "success" and rest == len(series):
            return Verdict("success", pattern)
        if outcome == "partial" and allow_partial:
            return Verdict("success", pattern)
        if outcome == "success":
            at, kind = rest, "extra"
        elif outcome == "partial":
            at, kind = len(series), "partial"
        else:
            at, kind = max(m.furthest, 0), "failure"
        expected = frozenset(m.expected) if m.furthest == at else frozenset()
        if best is None or (best.at is not None and at > best.at):
            best = Verdict(kind, pattern, at, expected)  # type: ignore[arg-type]
    assert best is not None, "follows() needs at least one primary pattern"
    return best
