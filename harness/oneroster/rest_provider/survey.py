"""What renkei reads from a provider once, for every check to judge: the survey.

Reading order follows the references: flat collections first (read whole, page by page, up to
``observation.max_objects``), then single reads of sampled ids, then nested paths for sampled
parents chosen from the flat data (a class that has students, a term that classes use), so that a
nested answer can be compared with what the flat collections say it must hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.http import ApiResponse
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.rest_provider.client import Collection, RestClient
from renkei.harness.oneroster.rest_provider.config import RestProviderTargetConfig


def scopes_for(endpoint: R.Endpoint) -> list[str]:
    """The one scope renkei asks for to read ``endpoint``: the broadest the OpenAPI lists for it."""
    return [endpoint.scopes[0]]


def ref_id(obj: Any, name: str) -> str | None:
    value = obj.get(name) if isinstance(obj, dict) else None
    return value.get("sourcedId") if isinstance(value, dict) and isinstance(value.get("sourcedId"), str) else None


def ref_ids(obj: Any, name: str) -> list[str]:
    value = obj.get(name) if isinstance(obj, dict) else None
    if not isinstance(value, list):
        return []
    return [v["sourcedId"] for v in value if isinstance(v, dict) and isinstance(v.get("sourcedId"), str)]


def sid(obj: Any) -> str | None:
    value = obj.get("sourcedId") if isinstance(obj, dict) else None
    return value if isinstance(value, str) else None


@dataclass
class Read:
    """One nested or single read: the path ids it used and what came back."""

    endpoint: R.Endpoint
    ids: dict[str, str]
    url: str
    collection: Collection | None = None  # nested collections
    response: ApiResponse | None = None  # single reads
    error: BrowserError | None = None


@dataclass
class Survey:
    flat: dict[str, Collection] = field(default_factory=dict)  # operationId -> collection
    reads: list[Read] = field(default_factory=list)  # single and nested reads
    unreached: dict[str, str] = field(default_factory=dict)  # operationId -> why it could not be read
    empty: dict[str, str] = field(default_factory=dict)  # operationId -> why there was nothing to read

    def objects(self) -> Iterable[tuple[R.Endpoint, str, int, dict[str, Any]]]:
        """(endpoint, url, index, object) of every object any answer held."""
        for op, coll in self.flat.items():
            for i, obj in enumerate(coll.objects):
                yield R.BY_OPERATION[op], coll.url, i, obj
        for read in self.reads:
            if read.collection is not None:
                for i, obj in enumerate(read.collection.objects):
                    yield read.endpoint, read.url, i, obj
            elif read.response is not None and read.response.status == 200:
                try:
                    data = read.response.json()
                except BrowserError:
                    continue
                obj = data.get(read.endpoint.envelope) if isinstance(data, dict) else None
                if isinstance(obj, dict):
                    yield read.endpoint, read.url, 0, obj

    def everything(self, op: str) -> list[dict[str, Any]]:
        coll = self.flat.get(op)
        return coll.objects if coll is not None else []


def _pick(ids: Iterable[str | None], n: int) -> list[str]:
    return sorted({i for i in ids if i})[:n]


def parents(survey: Survey, endpoint: R.Endpoint, n: int) -> list[dict[str, str]]:
    """Parent ids for a nested path, chosen from the flat collections (ones with members first)."""
    enr = survey.everything("getAllEnrollments")
    active = [e for e in enr if e.get("status") == "active"]
    by_role = {role: [e for e in active if e.get("role") == role] for role in ("student", "teacher")}
    classes = survey.everything("getAllClasses")
    subset = endpoint.subset or ""
    p = endpoint.params
    if subset in ("school.class.enrollments", "school.class.students", "school.class.teachers"):
        role = {"school.class.students": "student", "school.class.teachers": "teacher"}.get(subset)
        members = {ref_id(e, "class") for e in (by_role[role] if role else active)}
        pairs = sorted({(ref_id(c, "school"), sid(c)) for c in classes if sid(c) in members and ref_id(c, "school")})
        return [{p[0]: s, p[1]: c} for s, c in pairs[:n] if s and c]
    if subset.startswith("school."):
        schools = _pick((ref_id(c, "school") for c in classes), n) or _pick(
            (sid(o) for o in survey.everything("getAllSchools")), n)
        return [{p[0]: s} for s in schools]
    if subset == "course.classes":
        return [{p[0]: c} for c in _pick((ref_id(c, "course") for c in classes), n)]
    if subset in ("term.classes", "term.gradingPeriods"):
        terms = {sid(t) for t in survey.everything("getAllTerms")}
        used = [t for c in classes for t in ref_ids(c, "terms") if t in terms]
        return [{p[0]: t} for t in (_pick(used, n) or _pick(terms, n))]
    if subset in ("student.classes", "teacher.classes", "user.classes"):
        pool = by_role.get(subset.split(".")[0], active)
        return [{p[0]: u} for u in _pick((ref_id(e, "user") for e in pool), n)]
    if subset in ("class.students", "class.teachers"):
        role = subset.split(".")[1][:-1]
        return [{p[0]: c} for c in _pick((ref_id(e, "class") for e in by_role[role]), n)]
    return []


# The flat collections ``parents`` chooses each nested path's parent ids from.
_PARENT_SOURCES: dict[str, tuple[str, ...]] = {
    **{s: ("getAllClasses", "getAllEnrollments") for s in ("school.class.enrollments", "school.class.students",
                                                           "school.class.teachers")},
    **{s: ("getAllClasses",) for s in ("school.classes", "school.courses", "school.enrollments", "school.students",
                                       "school.teachers", "school.terms", "course.classes")},
    "term.classes": ("getAllTerms", "getAllClasses"), "term.gradingPeriods": ("getAllTerms", "getAllClasses"),
    **{s: ("getAllEnrollments",) for s in ("student.classes", "teacher.classes", "user.classes", "class.students",
                                           "class.teachers")},
}

_FLAT_FOR_SINGLE = {e.operation_id: next(f.operation_id for f in R.ENDPOINTS
                                         if not f.single and f.path == e.path.rsplit("/", 1)[0])
                    for e in R.ENDPOINTS if e.single}


def survey(config: RestProviderTargetConfig, client: RestClient) -> Survey:
    out = Survey()
    obs = config.observation
    base = config.rostering_url
    for e in R.ENDPOINTS:
        if e.single or e.nested or not config.declared(e):
            continue
        out.flat[e.operation_id] = client.read_collection(base + e.path, e.envelope, scopes_for(e))
    for e in R.ENDPOINTS:
        if not config.declared(e):
            continue
        if e.single:
            flat = _FLAT_FOR_SINGLE[e.operation_id]
            ids = _pick((sid(o) for o in out.everything(flat)), obs.samples)
            if not ids:
                source = out.flat.get(flat)
                if source is not None and source.complete:
                    out.empty[e.operation_id] = f"{flat} holds no objects"
                else:
                    out.unreached[e.operation_id] = f"no sourcedId to read: {flat} was not read whole"
                continue
            for i in ids:
                url = base + e.url_path(sourcedId=i)
                read = Read(e, {"sourcedId": i}, url)
                try:
                    read.response = client.get(url, scopes_for(e))
                except BrowserError as exc:
                    read.error = exc
                out.reads.append(read)
        elif e.nested:
            chosen = parents(out, e, obs.samples)
            if not chosen:
                sources = [out.flat.get(op) for op in _PARENT_SOURCES.get(e.subset or "", ())]
                if sources and all(c is not None and c.complete for c in sources):
                    out.empty[e.operation_id] = "the flat collections hold no parent for this path"
                else:
                    out.unreached[e.operation_id] = ("no parent id could be chosen: "
                                                     + ", ".join(_PARENT_SOURCES.get(e.subset or "", ("?",)))
                                                     + " not declared or not read whole")
                continue
            for ids in chosen:
                url = base + e.url_path(**ids)
                out.reads.append(Read(e, ids, url, collection=client.read_collection(url, e.envelope, scopes_for(e))))
    return out
