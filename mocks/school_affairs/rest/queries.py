"""One REST collection request as one SQL query over the roster store.

The ``filter`` is parsed by the shared model (``query.parse_filter``) and compiled here to
parameterised SQL; comparisons call ``or_cmp``/``or_contains``, the store's SQLite functions that
wrap the model's own ``compare``, so the mock filters exactly as the provider checks evaluate.
An unfiltered, unsorted page of a flat collection is an index range over the dense positions
(``pos``/``spos``), so reading a million users page by page never scans an OFFSET; such a page is
also read as one row (``Page.joined_sql``: its documents joined in SQLite), which spares a thousand
Python rows per page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model.query import Filter, Predicate
from renkei.harness.oneroster.model.rest_binding import FLAT
from renkei.mocks.school_affairs.rest.store import normalise_instant

_ACTIVE_ENR = "SELECT {col} FROM objects e WHERE e.kind='enrollment' AND e.status='active' AND {where}"
# subset -> (SQL condition on o, number of path ids it takes, in path order)
_SUBSETS: dict[str, str] = {
    "course.classes": "o.r1=?",
    "school.classes": "o.r2=?",
    "school.courses": "o.r2=?",
    "school.enrollments": "o.r2=?",
    "school.class.enrollments": "o.r2=? AND o.r1=?",
    "school.students": "o.sid IN (SELECT user FROM user_orgs WHERE org=? AND role='student')",
    "school.teachers": "o.sid IN (SELECT user FROM user_orgs WHERE org=? AND role='teacher')",
    "school.class.students": "o.sid IN (" + _ACTIVE_ENR.format(col="e.r3", where="e.r2=? AND e.r1=? AND e.sub='student'") + ")",
    "school.class.teachers": "o.sid IN (" + _ACTIVE_ENR.format(col="e.r3", where="e.r2=? AND e.r1=? AND e.sub='teacher'") + ")",
    "school.terms": ("o.sub='term' AND o.sid IN (SELECT ct.term FROM class_terms ct JOIN objects c "
                     "ON c.kind='class' AND c.sid=ct.class WHERE c.r2=?)"),
    "student.classes": "o.sid IN (" + _ACTIVE_ENR.format(col="e.r1", where="e.r3=? AND e.sub='student'") + ")",
    "teacher.classes": "o.sid IN (" + _ACTIVE_ENR.format(col="e.r1", where="e.r3=? AND e.sub='teacher'") + ")",
    "user.classes": "o.sid IN (" + _ACTIVE_ENR.format(col="e.r1", where="e.r3=?") + ")",
    "term.classes": "o.sid IN (SELECT class FROM class_terms WHERE term=?)",
    "term.gradingPeriods": "o.sub='gradingPeriod' AND o.r1=?",
    "class.students": "o.sid IN (" + _ACTIVE_ENR.format(col="e.r3", where="e.r1=? AND e.sub='student'") + ")",
    "class.teachers": "o.sid IN (" + _ACTIVE_ENR.format(col="e.r3", where="e.r1=? AND e.sub='teacher'") + ")",
    # gradebook (store.derive: lineItem r1=class r2=school; result r1=class r2=lineItem r3=student)
    "class.lineItems": "o.r1=?", "class.results": "o.r1=?", "class.lineItem.results": "o.r1=? AND o.r2=?",
    "class.student.results": "o.r1=? AND o.r3=?", "class.scoreScales": "o.r1=?", "school.lineItems": "o.r2=?",
}
# The parent object a nested path names: (kind, required sub) of each path id.
PARENTS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "course.classes": (("course", None),),
    "school.classes": (("org", "school"),), "school.courses": (("org", "school"),),
    "school.enrollments": (("org", "school"),), "school.students": (("org", "school"),),
    "school.teachers": (("org", "school"),), "school.terms": (("org", "school"),),
    "school.class.enrollments": (("org", "school"), ("class", None)),
    "school.class.students": (("org", "school"), ("class", None)),
    "school.class.teachers": (("org", "school"), ("class", None)),
    "student.classes": (("user", None),), "teacher.classes": (("user", None),), "user.classes": (("user", None),),
    "term.classes": (("academicSession", "term"),), "term.gradingPeriods": (("academicSession", "term"),),
    "class.students": (("class", None),), "class.teachers": (("class", None),),
    "class.lineItems": (("class", None),), "class.results": (("class", None),),
    "class.lineItem.results": (("class", None), ("lineItem", None)),
    "class.student.results": (("class", None), ("user", None)), "class.scoreScales": (("class", None),),
    "school.lineItems": (("org", "school"),),
}


@dataclass
class Page:
    sql: str  # rows of (document as UTF-8 bytes, its number of hrefs)
    params: list[Any]
    count_sql: str
    count_params: list[Any]
    ranged: bool = False  # an index range over dense positions (valid only while they are dense)
    # A ranged page as one row: (its documents joined by ',' as UTF-8 bytes or NULL, their hrefs, their number)
    joined_sql: str | None = None


def _json_path(parts: list[str]) -> str:
    return "$." + ".".join(parts) if parts else "$"


def _scalar(pred: Predicate, shape: str) -> tuple[str, list[Any]] | None:
    """SQL for a predicate on a path that crosses no list, else None."""
    return _cmp(_value("o.doc", doc_path(pred.path, shape)), pred), [pred.value]


def doc_path(path: str, shape: str) -> str:
    """The SQLite JSON path of a dotted field path (``metadata.jp.x`` is one key in the flat shape)."""
    parts = path.split(".")
    if parts[0] == "metadata" and shape == FLAT and len(parts) > 2:
        return '$.metadata."' + ".".join(parts[1:]) + '"'
    return _json_path(parts)


def _value(doc: str, path: str) -> str:
    """The JSON value at ``path`` as ``query.holds`` sees it: objects, arrays and null are no value
    (SQL NULL), JSON booleans are the text ``true``/``false`` (json_extract would give 1/0)."""
    return (f"CASE json_type({doc}, '{path}') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
            f"WHEN 'object' THEN NULL WHEN 'array' THEN NULL ELSE json_extract({doc}, '{path}') END")


def _cmp(expr: str, pred: Predicate) -> str:
    if pred.op == "~":
        return f"or_contains({expr}, ?)"
    if pred.op == "!=":
        return f"NOT COALESCE(or_cmp({expr}, ?) = 0, 0)"
    return f"or_cmp({expr}, ?) {pred.op} 0"


def predicate_sql(pred: Predicate, obj: str, shape: str) -> tuple[str, list[Any]]:
    parts = pred.path.split(".")
    if pred.path == "dateLastModified" and pred.op != "~":
        value = normalise_instant(pred.value)
        if value is not None:  # the indexed, normalised column: delta queries stay fast
            op = "<>" if pred.op == "!=" else pred.op
            return f"o.dlm {op} ?", [value]
    if pred.path == "status" and pred.op in ("=", "!="):
        return f"o.status {'=' if pred.op == '=' else '<>'} ?", [pred.value]
    if R.is_array_field(obj, parts[0]):
        if len(parts) == 1:  # the element itself (json_each: booleans as 1/0, containers as JSON text)
            inner = ("CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'object' THEN NULL "
                     "WHEN 'array' THEN NULL ELSE j.value END")
        else:  # a member of an object element
            inner = f"CASE WHEN j.type='object' THEN {_value('j.value', _json_path(parts[1:]))} END"
        each = f"json_each(o.doc, '$.{parts[0]}') j"
        if pred.op == "!=":
            eq = Predicate(pred.path, "=", pred.value)
            return f"NOT EXISTS (SELECT 1 FROM {each} WHERE {_cmp(inner, eq)})", [pred.value]
        return f"EXISTS (SELECT 1 FROM {each} WHERE {_cmp(inner, pred)})", [pred.value]
    got = _scalar(pred, shape)
    assert got is not None
    return got


def filter_sql(flt: Filter, obj: str, shape: str) -> tuple[str, list[Any]]:
    groups: list[str] = []
    params: list[Any] = []
    for group in flt.groups:
        parts = []
        for pred in group:
            sql, p = predicate_sql(pred, obj, shape)
            parts.append(f"({sql})")
            params += p
        groups.append(" AND ".join(parts))
    return "(" + " OR ".join(f"({g})" for g in groups) + ")", params


def build(endpoint: R.Endpoint, ids: list[str], *, flt: Filter | None, sort: str | None, desc: bool,
          limit: int, offset: int, shape: str, ranged: bool = True) -> Page:
    """The page query and the count query of one collection request."""
    where = ["o.kind=?"]
    params: list[Any] = [endpoint.object]
    subset = endpoint.subset
    fast = ranged and flt is None and sort is None
    if subset is not None and "=" in subset:
        _, value = subset.split("=", 1)
        where.append("o.sub=?")
        params.append(value)
    elif subset is not None:
        where.append(_SUBSETS[subset])
        params += ids
        fast = False
    if flt is not None:
        sql, p = filter_sql(flt, endpoint.object, shape)
        where.append(sql)
        params += p
    cond = " AND ".join(where)
    count_sql = f"SELECT COUNT(*) FROM objects o WHERE {cond}"
    if fast:  # an index range over the dense positions
        column, index = ("o.spos", "objects_spos") if subset is not None else ("o.pos", "objects_pos")
        where_range = f"WHERE {cond} AND {column}>=? AND {column}<?"
        sql = f"SELECT CAST(o.doc AS BLOB), o.hrefs FROM objects o {where_range} ORDER BY {column}"
        # group_concat has no ORDER BY before SQLite 3.44: it joins in the order of the scan, which
        # INDEXED BY pins to the position index's range, ascending (the order of ``sql``).
        joined = (f"SELECT CAST(group_concat(o.doc, ',') AS BLOB), COALESCE(SUM(o.hrefs), 0), COUNT(*) "
                  f"FROM objects o INDEXED BY {index} {where_range}")
        return Page(sql, [*params, offset, offset + limit], count_sql, list(params), ranged=True, joined_sql=joined)
    order = "o.seq"
    if sort is not None:
        key = f"json_extract(o.doc, '{doc_path(sort, shape)}')"
        order = f"({key} IS NULL), {key} {'DESC' if desc else 'ASC'}, o.seq"
    sql = f"SELECT CAST(o.doc AS BLOB), o.hrefs FROM objects o WHERE {cond} ORDER BY {order} LIMIT ? OFFSET ?"
    return Page(sql, [*params, limit, offset], count_sql, list(params))
