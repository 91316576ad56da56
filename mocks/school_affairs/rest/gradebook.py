"""The OneRoster 1.2 Gradebook service of the mock 校務支援システム (成績処理).

Learning apps (or the e-portal for them) send line items and results back to the school-affairs
system. GET works like the rostering collections (paging, filter, sort, fields); PUT on a single
path creates the object (201) or replaces it (200); DELETE removes it (204). Scopes:
``gradebook.readonly`` to read, ``gradebook.createput`` to PUT, ``gradebook.delete`` to DELETE.
A PUT body is ``{"<object>": {...}}``; its sourcedId must be the path's (or absent). References
are checked: a line item's class, school and category, a result's line item and student must
exist (422 ``invaliddata`` otherwise), so the store never holds a grade for nobody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from renkei.harness.core.bounded import InputLimitError, load_json
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model.rest_binding import ref
from renkei.mocks.school_affairs.rest.errors import ApiError
from renkei.mocks.school_affairs.rest.store import encode, stamp

if TYPE_CHECKING:
    from renkei.mocks.school_affairs.rest.app import Provider

JSON = "application/json"


def _validate(provider: Provider, kind: str, sid: str, body: bytes) -> dict[str, Any]:
    spec = R.GRADEBOOK_OBJECTS[kind]
    try:
        data = load_json(body)
    except (InputLimitError, ValueError, UnicodeDecodeError):
        raise ApiError(400, "invaliddata", "the body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get(spec.single_key), dict):
        raise ApiError(400, "invaliddata", f'the body must be {{"{spec.single_key}": {{...}}}}')
    obj: dict[str, Any] = dict(data[spec.single_key])
    if obj.setdefault("sourcedId", sid) != sid:
        raise ApiError(400, "invaliddata", f"sourcedId {obj['sourcedId']!r} in the body is not the path's {sid!r}")
    unknown = sorted(set(obj) - set(spec.by_name))
    if unknown:
        raise ApiError(400, "invaliddata", f"{kind} has no field(s) {', '.join(unknown)}")
    obj["status"] = obj.get("status") or "active"
    obj["dateLastModified"] = stamp()
    if kind == "result" and "class" not in obj and isinstance(obj.get("lineItem"), dict):
        line_item = provider.store.get("lineItem", str(obj["lineItem"].get("sourcedId")))
        if line_item and line_item.get("class"):
            obj["class"] = line_item["class"]
    missing = [f for f in spec.required if f not in obj]
    if missing:
        raise ApiError(400, "invaliddata", f"{kind} needs {', '.join(missing)}")
    for field in spec.fields:
        value = obj.get(field.name)
        if field.kind == R.REF and value is not None:
            if not isinstance(value, dict) or not isinstance(value.get("sourcedId"), str):
                raise ApiError(400, "invaliddata", f"{field.name} must be a GUIDRef with a sourcedId")
            target = field.ref_type or ""
            if provider.store.get_text(target, value["sourcedId"]) is None:
                raise ApiError(422, "invaliddata", f"{field.name} names the unknown {target} {value['sourcedId']!r}")
            obj[field.name] = ref(target, value["sourcedId"])
        elif field.kind == R.ENUM and value is not None:
            ok = value in field.values or (field.extensible and isinstance(value, str) and R.EXT_RE.match(value))
            if not ok:
                raise ApiError(400, "invaliddata", f"{field.name} {value!r} is not one of {', '.join(field.values)}")
    return obj


def _single_routes(provider: Provider, endpoint: R.Endpoint) -> Route:
    kind = endpoint.object

    async def handle(request: Request) -> Response:
        grant = None
        try:
            if request.method == "GET":
                grant = provider.authorise(request, endpoint.scopes)
                provider.throttle()
                status, body, headers = await run_in_threadpool(provider.single, endpoint, request)
                provider.record(request, grant, status)
                return Response(body, status, headers=headers, media_type=JSON)
            sid = request.path_params["sourcedId"]
            if request.method == "DELETE":
                grant = provider.authorise(request, (R.SCOPE_GRADEBOOK_DELETE,))
                if provider.fault("gradebook_delete_ignored"):
                    exists = await run_in_threadpool(provider.store.get_text, kind, sid)
                    if exists is None:
                        raise ApiError(404, "unknownobject", f"no {kind} with sourcedId {sid!r}")
                elif not await run_in_threadpool(provider.store.delete, kind, sid):
                    raise ApiError(404, "unknownobject", f"no {kind} with sourcedId {sid!r}")
                provider.record(request, grant, 204)
                return Response(status_code=204)
            grant = provider.authorise(request, (R.SCOPE_GRADEBOOK_PUT,))
            obj = _validate(provider, kind, sid, await request.body())
            if provider.fault("gradebook_replace_ignored") and provider.store.get_text(kind, sid) is not None:
                created = False
            else:
                created = await run_in_threadpool(provider.store.put, kind, obj, event="gradebook.put")
            status = 201 if created and not provider.fault("gradebook_put_always_200") else 200
            provider.record(request, grant, status)
            text = encode(obj)
            return Response('{"' + endpoint.envelope + '":' + provider.render(text, request) + "}", status,
                            media_type=JSON)
        except ApiError as exc:
            provider.record(request, grant, exc.status)
            return provider.error(exc)

    return Route(R.GRADEBOOK_PATH + endpoint.path, handle, methods=["GET", "PUT", "DELETE"],
                 name=endpoint.operation_id)


def _collection_route(provider: Provider, endpoint: R.Endpoint) -> Route:
    async def handle(request: Request) -> Response:
        grant = None
        try:
            grant = provider.authorise(request, endpoint.scopes)
            provider.throttle()
            status, body, headers, n, total = await run_in_threadpool(provider.collection, endpoint, request)
            provider.record(request, grant, status, n, total)
            return Response(body, status, headers=headers, media_type=JSON)
        except ApiError as exc:
            provider.record(request, grant, exc.status)
            return provider.error(exc)

    return Route(R.GRADEBOOK_PATH + endpoint.path, handle, methods=["GET"], name=endpoint.operation_id)


def routes(provider: Provider) -> list[Route]:
    return [(_single_routes if e.single else _collection_route)(provider, e) for e in R.GRADEBOOK_ENDPOINTS]
