"""Between the two bindings: a OneRoster CSV row as a REST JSON object, and a REST object as CSV cells.

The CSV -> REST direction is how the mock 校務支援システム serves a bundle over REST; the REST -> CSV
direction lets the rules written once for CSV cells (the Japanese ones above all) judge REST JSON.
Mapping (OpenAPI 1.2 ``*DType`` vs CSV121 tables): references become GUIDRef objects; lists become
arrays; ``preferredGivenName``/``preferredFamilyName`` are ``preferredFirstName``/``preferredLastName``
in REST; roles.csv rows become ``users.roles``, userProfiles.csv rows ``users.userProfiles``;
``metadata.*`` columns go into ``metadata``, nested (``{"jp": {"kanaGivenName": …}}``) or flat
(``{"jp.kanaGivenName": …}``) as the ``shape`` says (both are seen in Japanese products,
reference/oneroster.md §3.4). Empty cells are left out, never sent as ``""``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from renkei.harness.oneroster.model.rest import (
    GRADEBOOK_PATH,
    GRADEBOOK_REF_COLLECTION,
    REF_COLLECTION,
    RESOURCES_PATH,
    ROSTERING_PATH,
)

Row = Mapping[str, str]
NESTED = "nested"
FLAT = "flat"
SHAPES = (NESTED, FLAT)
_BRACED = re.compile(r"\{([^{}:]*):([^{}]*)\}")
# REST name of a CSV column where the two bindings differ.
RENAMED = {"preferredGivenName": "preferredFirstName", "preferredFamilyName": "preferredLastName"}
CSV_NAME = {v: k for k, v in RENAMED.items()}


def ref(kind: str, sourced_id: str, base: str = "") -> dict[str, str]:
    """A GUIDRef; ``href`` is ``base`` + the path of the object's single read."""
    if kind in GRADEBOOK_REF_COLLECTION:
        path = f"{GRADEBOOK_PATH}/{GRADEBOOK_REF_COLLECTION[kind]}"
    elif kind == "resource":  # resources are served by the Resources service, not the rostering one
        path = f"{RESOURCES_PATH}/{REF_COLLECTION[kind]}"
    else:
        path = f"{ROSTERING_PATH}/{REF_COLLECTION[kind]}"
    return {"href": f"{base}{path}/{sourced_id}", "sourcedId": sourced_id, "type": kind}


def split_list(cell: str) -> list[str]:
    return [v.strip() for v in cell.split(",") if v.strip()]


def _metadata(row: Row, shape: str) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for column, value in row.items():
        if not column.startswith("metadata.") or value == "":
            continue
        key = column[len("metadata."):]
        if shape == FLAT or "." not in key:
            meta[key] = value
            continue
        head, _, tail = key.partition(".")
        inner = meta.setdefault(head, {})
        if isinstance(inner, dict):
            inner[tail] = value
    return meta


def _common(row: Row, shape: str, status: str, stamp: str) -> dict[str, Any]:
    obj: dict[str, Any] = {"sourcedId": row["sourcedId"], "status": row.get("status") or status,
                           "dateLastModified": row.get("dateLastModified") or stamp}
    meta = _metadata(row, shape)
    if meta:
        obj["metadata"] = meta
    return obj


def _put(obj: dict[str, Any], name: str, value: Any) -> None:
    if value not in ("", None, []):
        obj[name] = value


def _ref_or_none(kind: str, cell: str | None, base: str) -> dict[str, str] | None:
    return ref(kind, cell, base) if cell else None


def academic_session(row: Row, children: Iterable[str], *, shape: str, status: str, stamp: str,
                     base: str = "") -> dict[str, Any]:
    obj = _common(row, shape, status, stamp)
    for name in ("title", "startDate", "endDate", "type"):
        _put(obj, name, row.get(name, ""))
    _put(obj, "parent", _ref_or_none("academicSession", row.get("parentSourcedId"), base))
    _put(obj, "children", [ref("academicSession", c, base) for c in children])
    _put(obj, "schoolYear", row.get("schoolYear", ""))
    return obj


def org(row: Row, children: Iterable[str], *, shape: str, status: str, stamp: str, base: str = "") -> dict[str, Any]:
    obj = _common(row, shape, status, stamp)
    for name in ("name", "type", "identifier"):
        _put(obj, name, row.get(name, ""))
    _put(obj, "parent", _ref_or_none("org", row.get("parentSourcedId"), base))
    _put(obj, "children", [ref("org", c, base) for c in children])
    return obj


def course(row: Row, *, shape: str, status: str, stamp: str, base: str = "") -> dict[str, Any]:
    obj = _common(row, shape, status, stamp)
    _put(obj, "title", row.get("title", ""))
    _put(obj, "schoolYear", _ref_or_none("academicSession", row.get("schoolYearSourcedId"), base))
    obj["courseCode"] = row.get("courseCode", "")  # required by the REST schema; Japan Profile CSVs leave it empty
    _put(obj, "grades", split_list(row.get("grades", "")))
    _put(obj, "subjects", split_list(row.get("subjects", "")))
    _put(obj, "org", _ref_or_none("org", row.get("orgSourcedId"), base))
    _put(obj, "subjectCodes", split_list(row.get("subjectCodes", "")))
    return obj


def klass(row: Row, *, shape: str, status: str, stamp: str, base: str = "") -> dict[str, Any]:
    obj = _common(row, shape, status, stamp)
    for name in ("title", "classCode", "classType", "location"):
        _put(obj, name, row.get(name, ""))
    _put(obj, "grades", split_list(row.get("grades", "")))
    _put(obj, "subjects", split_list(row.get("subjects", "")))
    _put(obj, "course", _ref_or_none("course", row.get("courseSourcedId"), base))
    _put(obj, "school", _ref_or_none("org", row.get("schoolSourcedId"), base))
    obj["terms"] = [ref("academicSession", t, base) for t in split_list(row.get("termSourcedIds", ""))]
    _put(obj, "subjectCodes", split_list(row.get("subjectCodes", "")))
    _put(obj, "periods", split_list(row.get("periods", "")))
    return obj


def enrollment(row: Row, *, shape: str, status: str, stamp: str, base: str = "") -> dict[str, Any]:
    obj = _common(row, shape, status, stamp)
    _put(obj, "user", _ref_or_none("user", row.get("userSourcedId"), base))
    _put(obj, "class", _ref_or_none("class", row.get("classSourcedId"), base))
    _put(obj, "school", _ref_or_none("org", row.get("schoolSourcedId"), base))
    for name in ("role", "primary", "beginDate", "endDate"):
        _put(obj, name, row.get(name, ""))
    return obj


def demographics(row: Row, *, shape: str, status: str, stamp: str) -> dict[str, Any]:
    obj = _common(row, shape, status, stamp)
    for name, value in row.items():
        if name not in obj and not name.startswith("metadata.") and name not in ("status", "dateLastModified"):
            _put(obj, name, value)
    return obj


def profile_uri(sourced_id: str) -> str:
    """The ``profileId`` URI of a userProfiles.csv row (REST wants a URI, CSV has a GUID)."""
    return f"urn:oneroster:userProfile:{sourced_id}"


def user(row: Row, roles: Iterable[Row], profiles: Iterable[Row], *, shape: str, status: str, stamp: str,
         base: str = "") -> dict[str, Any]:
    obj = _common(row, shape, status, stamp)
    _put(obj, "userMasterIdentifier", row.get("userMasterIdentifier", ""))
    _put(obj, "username", row.get("username", ""))
    _put(obj, "userIds", [{"type": t.strip(), "identifier": i.strip()}
                          for t, i in _BRACED.findall(row.get("userIds", ""))])
    for name in ("enabledUser", "givenName", "familyName", "middleName"):
        _put(obj, name, row.get(name, ""))
    for csv_name in ("preferredGivenName", "preferredMiddleName", "preferredFamilyName"):
        _put(obj, RENAMED.get(csv_name, csv_name), row.get(csv_name, ""))
    _put(obj, "pronouns", row.get("pronouns", ""))
    role_list: list[dict[str, Any]] = []
    for r in roles:
        item: dict[str, Any] = {"roleType": r.get("roleType", ""), "role": r.get("role", ""),
                                "org": ref("org", r.get("orgSourcedId", ""), base)}
        if r.get("userProfileSourcedId"):
            item["userProfile"] = profile_uri(r["userProfileSourcedId"])
        _put(item, "beginDate", r.get("beginDate", ""))
        _put(item, "endDate", r.get("endDate", ""))
        role_list.append(item)
    obj["roles"] = role_list
    plist: list[dict[str, Any]] = []
    for p in profiles:
        item = {"profileId": profile_uri(p["sourcedId"]), "profileType": p.get("profileType", ""),
                "vendorId": p.get("vendorId", "")}
        _put(item, "applicationId", p.get("applicationId", ""))
        _put(item, "description", p.get("description", ""))
        cred: dict[str, str] = {"type": p.get("credentialType", ""), "username": p.get("username", "")}
        if p.get("password"):
            cred["password"] = p["password"]
        item["credentials"] = [cred]
        plist.append(item)
    _put(obj, "userProfiles", plist)
    _put(obj, "primaryOrg", _ref_or_none("org", row.get("primaryOrgSourcedId"), base))
    for name in ("identifier", "email", "sms", "phone"):
        _put(obj, name, row.get(name, ""))
    _put(obj, "agents", [ref("user", a, base) for a in split_list(row.get("agentSourcedIds", ""))])
    _put(obj, "grades", split_list(row.get("grades", "")))
    _put(obj, "password", row.get("password", ""))
    _put(obj, "resources", [ref("resource", a, base) for a in split_list(row.get("resourceSourcedIds", ""))])
    return obj


# REST -> CSV cells: which CSV column each REST field of a top-level object feeds.
_REF_COLUMNS = {
    ("academicSession", "parent"): "parentSourcedId", ("org", "parent"): "parentSourcedId",
    ("course", "schoolYear"): "schoolYearSourcedId", ("course", "org"): "orgSourcedId",
    ("class", "course"): "courseSourcedId", ("class", "school"): "schoolSourcedId",
    ("class", "terms"): "termSourcedIds", ("enrollment", "user"): "userSourcedId",
    ("enrollment", "class"): "classSourcedId", ("enrollment", "school"): "schoolSourcedId",
    ("user", "primaryOrg"): "primaryOrgSourcedId", ("user", "agents"): "agentSourcedIds",
    ("user", "resources"): "resourceSourcedIds",
}
CSV_FILE = {"academicSession": "academicSessions", "org": "orgs", "course": "courses", "class": "classes",
            "enrollment": "enrollments", "user": "users", "demographics": "demographics"}


def csv_cells(kind: str, obj: Mapping[str, Any]) -> dict[str, str]:
    """The CSV cells a REST object stands for (``metadata`` flattened to ``metadata.x.y`` columns;
    both JSON shapes give the same cells). Values that are not what the binding allows are kept as
    their text, so a rule sees what was sent."""
    cells: dict[str, str] = {}
    for name, value in obj.items():
        if name == "metadata" and isinstance(value, Mapping):
            for key, inner in value.items():
                if isinstance(inner, Mapping):
                    for k2, v2 in inner.items():
                        cells[f"metadata.{key}.{k2}"] = _text(v2)
                else:
                    cells[f"metadata.{key}"] = _text(inner)
            continue
        column = _REF_COLUMNS.get((kind, name))
        if column is not None:
            items = value if isinstance(value, list) else [value]
            cells[column] = ",".join(str(i.get("sourcedId", "")) if isinstance(i, Mapping) else _text(i)
                                     for i in items)
        elif name == "userIds" and isinstance(value, list):
            cells["userIds"] = ",".join(f"{{{i.get('type', '')}:{i.get('identifier', '')}}}"
                                        for i in value if isinstance(i, Mapping))
        elif isinstance(value, list):
            if all(not isinstance(i, Mapping | list) for i in value):
                cells[CSV_NAME.get(name, name)] = ",".join(_text(i) for i in value)
        elif not isinstance(value, Mapping):
            cells[CSV_NAME.get(name, name)] = _text(value)
    return cells


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
