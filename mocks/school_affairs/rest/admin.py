"""The admin API of the mock 校務支援システム: drive the school year from a test or a vendor's script.

Every call needs ``Authorization: Bearer <admin key>`` (``ProviderConfig.admin_key``, printed by
``python -m renkei.mocks``), a credential apart from the OAuth clients so that no consumer token
can change the roster. Answers say what changed (counts and the instant), so a caller can ask the
REST API or the CSV export for exactly that delta.

    POST   /admin/year-advance                          年次更新 (generated rosters)
    POST   /admin/transfer   {"user", "toSchool", "toClass"?}     転出・転入
    PATCH  /admin/objects/{kind}/{sourcedId}   {field: value|null}   ad-hoc edit
    DELETE /admin/objects/{kind}/{sourcedId}                     mark tobedeleted
    GET    /admin/requests                                       the request log
"""

from __future__ import annotations

import hmac
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from renkei.harness.core.bounded import InputLimitError, load_json
from renkei.harness.core.errors import ConfigError
from renkei.mocks.school_affairs.rest import lifecycle

if TYPE_CHECKING:
    from renkei.mocks.school_affairs.rest.app import Provider


def routes(provider: Provider) -> list[Route]:
    def allowed(request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return header.lower().startswith("bearer ") and hmac.compare_digest(
            header[7:].strip().encode(), provider.config.admin_key.encode())

    async def body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw:
            return {}
        try:
            data = load_json(raw)
        except (InputLimitError, ValueError, UnicodeDecodeError):
            raise ConfigError("the body is not JSON") from None
        if not isinstance(data, dict):
            raise ConfigError("the body must be a JSON object")
        return data

    def wrap(action: Any) -> Any:
        async def handle(request: Request) -> Response:
            if not allowed(request):
                return JSONResponse({"error": "the admin key is missing or wrong"}, 401,
                                    headers={"WWW-Authenticate": 'Bearer realm="renkei-admin"'})
            try:
                result = await action(request)
            except ConfigError as exc:
                return JSONResponse({"error": str(exc)}, 400)
            return JSONResponse(result)
        return handle

    def advance_year() -> lifecycle.Change:
        change = lifecycle.advance_year(provider.store)
        if provider.fault("reissue_ids_at_year_advance"):  # red runs of the chain: new sourcedIds for everyone
            lifecycle.reissue_pupil_ids(provider.store, change)
        return change

    async def advance(request: Request) -> Any:
        return (await run_in_threadpool(advance_year)).summary()

    async def transfer(request: Request) -> Any:
        data = await body(request)
        if not isinstance(data.get("user"), str) or not isinstance(data.get("toSchool"), str):
            raise ConfigError('transfer needs {"user": sourcedId, "toSchool": sourcedId}')
        change = await run_in_threadpool(lambda: lifecycle.transfer(
            provider.store, data["user"], data["toSchool"], to_class=data.get("toClass")))
        return change.summary()

    async def edit(request: Request) -> Any:
        kind, sid = request.path_params["kind"], request.path_params["sid"]
        if request.method == "DELETE":
            change = await run_in_threadpool(lifecycle.mark_deleted, provider.store, kind, sid)
        else:
            data = await body(request)
            change = await run_in_threadpool(lambda: lifecycle.edit(provider.store, kind, sid, data))
        return change.summary()

    async def requests(request: Request) -> Any:
        return {"requests": [asdict(r) for r in list(provider.log)]}

    return [Route("/admin/year-advance", wrap(advance), methods=["POST"]),
            Route("/admin/transfer", wrap(transfer), methods=["POST"]),
            Route("/admin/objects/{kind}/{sid}", wrap(edit), methods=["PATCH", "DELETE"]),
            Route("/admin/requests", wrap(requests), methods=["GET"])]
