"""The same roster as OneRoster CSV: a bulk zip, and a delta zip of what changed since an instant.

``GET /exports/oneroster-csv.zip`` (bulk: the objects that are active, status and dateLastModified
empty, the manifest as loaded) and ``GET /exports/oneroster-csv.zip?since=2027-04-01T00:00:00Z``
(delta: every object changed after ``since``, ``tobedeleted`` ones included, status and
dateLastModified filled, manifest ``file.*`` = ``delta`` or ``absent``). A file with no rows is left
out (CSV121: an empty file is not permitted) and declared ``absent``. Headers are the loaded
bundle's, so an export passes the profile the roster was made for. REST has no sourcedId for a role,
so roles.csv rows get ids derived from (user, org, role): stable between exports, not the loaded ones.
Demographics are exported only to a token whose scopes open ``/demographics``.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model.columns import roster_headers
from renkei.harness.oneroster.model.rest_binding import CSV_FILE, csv_cells
from renkei.mocks.school_affairs.ids import rng_for, uuid4_from
from renkei.mocks.school_affairs.rest.errors import ApiError
from renkei.mocks.school_affairs.rest.store import RosterStore, normalise_instant

if TYPE_CHECKING:
    from renkei.mocks.school_affairs.rest.app import Provider

EXPORT_PATH = "/exports/oneroster-csv.zip"
ORDER = ("academicSession", "org", "course", "class", "user", "demographics", "enrollment")
PROFILE_PREFIX = "urn:oneroster:userProfile:"


def _row(header: list[str], cells: dict[str, str], delta: bool) -> list[str]:
    row = [cells.get(c, "") for c in header]
    if not delta:
        row = ["" if c in ("status", "dateLastModified") else v for c, v in zip(header, row, strict=True)]
    return row


def _role_rows(user: dict[str, Any], delta: bool) -> Iterator[dict[str, str]]:
    for r in user.get("roles") or []:
        if not isinstance(r, dict):
            continue
        org = (r.get("org") or {}).get("sourcedId", "")
        sid = uuid4_from(rng_for(0, "role", user["sourcedId"], org, r.get("role", "")))
        profile = str(r.get("userProfile", ""))
        yield {"sourcedId": sid, "status": user.get("status", "") if delta else "",
               "dateLastModified": user.get("dateLastModified", "") if delta else "",
               "userSourcedId": user["sourcedId"], "roleType": r.get("roleType", ""), "role": r.get("role", ""),
               "beginDate": r.get("beginDate", ""), "endDate": r.get("endDate", ""), "orgSourcedId": org,
               "userProfileSourcedId": profile.removeprefix(PROFILE_PREFIX)}


def _profile_rows(user: dict[str, Any], delta: bool) -> Iterator[dict[str, str]]:
    for p in user.get("userProfiles") or []:
        if not isinstance(p, dict):
            continue
        cred = (p.get("credentials") or [{}])[0]
        yield {"sourcedId": str(p.get("profileId", "")).removeprefix(PROFILE_PREFIX),
               "status": user.get("status", "") if delta else "",
               "dateLastModified": user.get("dateLastModified", "") if delta else "",
               "userSourcedId": user["sourcedId"], "profileType": p.get("profileType", ""),
               "vendorId": p.get("vendorId", ""), "applicationId": p.get("applicationId", ""),
               "description": p.get("description", ""), "credentialType": cred.get("type", ""),
               "username": cred.get("username", ""), "password": cred.get("password", "")}


def write_export(store: RosterStore, out: IO[bytes], *, since: str | None, demographics: bool) -> dict[str, int]:
    """Write the bulk (``since`` None) or delta zip to ``out``; returns data rows per file written
    (a file that would have no data rows is left out, and the manifest says ``absent``)."""
    headers: dict[str, list[str]] = json.loads(store.setting("csv_headers") or "{}") or {
        k: list(v) for k, v in roster_headers("1.2.1").items()}
    delta = since is not None
    counts: dict[str, int] = {}
    date_time = (2000, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        def entry(name: str, rows: Iterator[list[str]]) -> None:
            first = next(rows, None)
            if first is None:  # a file without data rows is not permitted: left out, the manifest says absent
                return
            info = zipfile.ZipInfo(f"{name}.csv", date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            n = 0
            with zf.open(info, "w", force_zip64=True) as raw, \
                    io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                writer = csv.writer(text, lineterminator="\n")
                writer.writerow(headers[name])
                for row in itertools.chain([first], rows):
                    writer.writerow(row)
                    n += 1
            counts[name] = n

        for kind in ORDER:
            name = CSV_FILE[kind]
            if name not in headers or (kind == "demographics" and not demographics):
                continue
            def docs(kind: str = kind) -> Iterator[dict[str, Any]]:
                return (d for d in store.iter_docs(kind, since=since) if delta or d.get("status") == "active")

            entry(name, (_row(headers[name], csv_cells(kind, d), delta) for d in docs()))
            if kind == "user":  # roles and profiles are read in a second pass, never held in lists
                for extra, make in (("roles", _role_rows), ("userProfiles", _profile_rows)):
                    if extra in headers:
                        entry(extra, (_row(headers[extra], cells, delta) for u in docs() for cells in make(u, delta)))
        manifest: list[list[str]] = json.loads(store.setting("manifest") or "[]")
        rows = []
        for prop, value in manifest:
            if prop.startswith("file.") and delta:
                value = "delta" if prop[5:] in counts else "absent"
            elif prop.startswith("file.") and prop[5:] in headers and prop[5:] not in counts:
                value = "absent"
            rows.append([prop, value])
        text = io.StringIO(newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["propertyName", "value"])
        writer.writerows(rows)
        info = zipfile.ZipInfo("manifest.csv", date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, text.getvalue().encode("utf-8"))
    return counts


def routes(provider: Provider) -> list[Route]:
    async def export(request: Request) -> Response:
        grant = None
        try:
            grant = provider.authorise(request, (R.SCOPE_ROSTER, R.SCOPE_CORE))
            since_raw = request.query_params.get("since")
            since = None
            if since_raw is not None:
                since = normalise_instant(since_raw)
                if since is None:
                    raise ApiError(400, "invaliddata", f"since must be an RFC 3339 date-time, not {since_raw!r}")
            demographics = bool(grant.scopes & set(provider.config.demographics_scopes))
            spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115  (closed by the stream)
            await run_in_threadpool(write_export, provider.store, spool, since=since, demographics=demographics)
            spool.seek(0)
            provider.record(request, grant, 200)

            def chunks() -> Iterator[bytes]:
                with spool:
                    while block := spool.read(64 * 1024):
                        yield block

            name = "oneroster-delta.zip" if since else "oneroster-bulk.zip"
            return StreamingResponse(chunks(), media_type="application/zip",
                                     headers={"Content-Disposition": f'attachment; filename="{name}"'})
        except ApiError as exc:
            provider.record(request, grant, exc.status)
            return provider.error(exc)

    return [Route(EXPORT_PATH, export, methods=["GET"], name="csv_export")]
