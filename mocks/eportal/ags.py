"""Assignment and Grade Services 2.0 of the mock e-portal [AGS §3]: line items, scores, results.

Paths (all under the issuer): ``/ags/{context}/lineitems`` (GET with filters ``resource_link_id``,
``resource_id``, ``tag``, ``limit`` + Link paging; POST -> 201), ``/ags/{context}/lineitems/{n}``
(GET/PUT/DELETE), ``…/{n}/scores`` (POST, write-only), ``…/{n}/results`` (GET, ``user_id``
filter). Line items belong to the tool that created them; another tool gets 404. Score
timestamps must be ISO-8601 with sub-second precision and a zone (any offset form, read by the
harness's one parser, ``timestamps``) and strictly increase per user; an older or equal one is
refused with 409 and changes nothing [AGS §3.4].
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from renkei.harness.core.bounded import InputLimitError, load_json
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.timestamps import InvalidTimestamp, parse_timestamp
from renkei.mocks.eportal.http import accepts, json_response, media_type, oauth_error
from renkei.mocks.eportal.services import BadQuery, paginate, require_scope
from renkei.mocks.eportal.state import EportalState, Grant, LineItem, ScoreRecord

MAX_BODY_BYTES = 64 * 1024
_READ = (vocab.SCOPE_AGS_LINEITEM, vocab.SCOPE_AGS_LINEITEM_READONLY)
_WRITE = (vocab.SCOPE_AGS_LINEITEM,)


def _state(request: Request) -> EportalState:
    return request.app.state.eportal


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class BadBody(Exception):
    """The JSON body breaks a rule; ``str()`` names the field."""


async def _json_body(request: Request, expected_type: str) -> dict[str, Any]:
    if media_type(request) != expected_type:
        raise BadBody(f"Content-Type must be {expected_type}")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise BadBody(f"body larger than {MAX_BODY_BYTES} bytes")
    try:
        data = load_json(raw)
    except InputLimitError as exc:
        raise BadBody(f"body is JSON {exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadBody("body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise BadBody("body must be a JSON object")
    return data


def _validate_line_item(data: dict[str, Any]) -> None:
    """Fields of [AGS §3.2]: label and scoreMaximum required."""
    if not isinstance(data.get("label"), str) or not data["label"].strip():
        raise BadBody("field 'label' is required and must be a non-empty string [AGS §3.2]")
    if not _is_number(data.get("scoreMaximum")) or data["scoreMaximum"] <= 0:
        raise BadBody("field 'scoreMaximum' is required and must be a number > 0 [AGS §3.2]")
    for name in ("resourceId", "tag", "resourceLinkId"):
        if name in data and not isinstance(data[name], str):
            raise BadBody(f"field '{name}' must be a string [AGS §3.2]")
    for name in ("startDateTime", "endDateTime"):
        if data.get(name) not in (None, ""):  # blank or null: no date [AGS §3.2.12, §3.2.13]
            try:
                parse_timestamp(data[name])
            except InvalidTimestamp as exc:
                raise BadBody(f"field '{name}' must be an ISO-8601 date-time with a time zone: {exc} "
                              "[AGS §3.2.12, §3.2.13]") from exc
    if "gradesReleased" in data and not isinstance(data["gradesReleased"], bool):
        raise BadBody("field 'gradesReleased' must be a boolean [AGS §3.2]")


def _item_url(st: EportalState, item: LineItem) -> str:
    return st.config.url(f"/ags/{item.context_id}/lineitems/{item.number}")


def _item_json(st: EportalState, item: LineItem) -> dict[str, Any]:
    return {"id": _item_url(st, item), **item.data}


def _context_or_404(st: EportalState, request: Request) -> str | Response:
    context_id = request.path_params["context"]
    if context_id not in st.roster.classes:
        return oauth_error("not_found", "no context with this id", 404)
    return context_id


def _item_or_404(st: EportalState, request: Request, grant: Grant) -> LineItem | Response:
    context = _context_or_404(st, request)
    if isinstance(context, Response):
        return context
    number = request.path_params["item"]
    item = st.line_items.get(number)
    if item is None or item.context_id != context or item.client_id != grant.client_id:
        return oauth_error("not_found", "no line item with this id in this context for this tool", 404)
    return item


async def line_items(request: Request) -> Response:
    """``GET|POST /ags/{context}/lineitems`` [AGS §3.2.4, §3.2.5]."""
    st = _state(request)
    grant = require_scope(request, _READ if request.method == "GET" else _WRITE)
    if isinstance(grant, Response):
        return grant
    context = _context_or_404(st, request)
    if isinstance(context, Response):
        return context
    if request.method == "POST":
        try:
            data = await _json_body(request, vocab.MEDIA_AGS_LINEITEM)
            _validate_line_item(data)
        except BadBody as exc:
            status = 415 if str(exc).startswith("Content-Type") else 400
            return oauth_error("invalid_request", str(exc), status)
        item = st.add_line_item(context, grant.client_id, data)  # resourceId/tag kept as given [AGS §3.2.5]
        return json_response(_item_json(st, item), 201, vocab.MEDIA_AGS_LINEITEM,
                             headers={"Location": _item_url(st, item)})
    if not accepts(request, vocab.MEDIA_AGS_LINEITEM_CONTAINER):
        return oauth_error("not_acceptable", f"Accept must allow {vocab.MEDIA_AGS_LINEITEM_CONTAINER}", 406)
    q = request.query_params
    items = [i for i in st.line_items.values() if i.context_id == context and i.client_id == grant.client_id]
    for param, field in (("resource_link_id", "resourceLinkId"), ("resource_id", "resourceId"), ("tag", "tag")):
        if param in q:
            items = [i for i in items if i.data.get(field) == q[param]]
    try:
        page, headers = paginate(request, items, st.config.url(f"/ags/{context}/lineitems"))
    except BadQuery as exc:
        return oauth_error("invalid_request", str(exc))
    return json_response([_item_json(st, i) for i in page], 200, vocab.MEDIA_AGS_LINEITEM_CONTAINER, headers)


async def line_item(request: Request) -> Response:
    """``GET|PUT|DELETE /ags/{context}/lineitems/{n}`` [AGS §3.2.6]."""
    st = _state(request)
    grant = require_scope(request, _READ if request.method == "GET" else _WRITE)
    if isinstance(grant, Response):
        return grant
    item = _item_or_404(st, request, grant)
    if isinstance(item, Response):
        return item
    if request.method == "GET":
        return json_response(_item_json(st, item), 200, vocab.MEDIA_AGS_LINEITEM)
    if request.method == "DELETE":
        del st.line_items[item.number]
        st.scores = {k: v for k, v in st.scores.items() if k[0] != item.number}
        return Response(status_code=204)
    try:
        data = await _json_body(request, vocab.MEDIA_AGS_LINEITEM)
        _validate_line_item(data)
        if "id" in data and data["id"] != _item_url(st, item):
            raise BadBody("field 'id' must not change [AGS §3.2.6]")
        if data.get("resourceLinkId") != item.data.get("resourceLinkId"):
            raise BadBody("field 'resourceLinkId' must not change [AGS §3.2.6]")
    except BadBody as exc:
        status = 415 if str(exc).startswith("Content-Type") else 400
        return oauth_error("invalid_request", str(exc), status)
    item.data = {k: v for k, v in data.items() if k != "id"}  # PUT replaces the whole definition
    return json_response(_item_json(st, item), 200, vocab.MEDIA_AGS_LINEITEM)


def _validate_score(st: EportalState, context: str, data: dict[str, Any]) -> Decimal:
    """Score fields [AGS §3.4.4-§3.4.11]; returns the parsed timestamp."""
    user_id = data.get("userId")
    if not isinstance(user_id, str) or not user_id:
        raise BadBody("field 'userId' is required [AGS §3.4]")
    user = st.roster.user_by_sub(user_id)
    if user is None or not st.roster.context_roles(user, context):
        raise BadBody("field 'userId' is not the LTI user id of a member of this context [AGS §3.4]")
    try:
        stamp = parse_timestamp(data.get("timestamp"), sub_second=True).epoch
    except InvalidTimestamp as exc:
        raise BadBody(f"field 'timestamp' must be ISO-8601 with sub-second precision and a time zone: {exc} "
                      "[AGS §3.4.9]") from exc
    submission = data.get("submission")
    if submission is not None and not isinstance(submission, dict):
        raise BadBody("field 'submission' must be an object [AGS §3.4.10]")
    for name in ("startedAt", "submittedAt"):
        if submission is not None and name in submission:
            try:
                parse_timestamp(submission[name], sub_second=True)
            except InvalidTimestamp as exc:
                raise BadBody(f"field 'submission.{name}' must be ISO-8601 with sub-second precision and a time "
                              f"zone: {exc} [AGS §3.4.10]") from exc
    if "scoreGiven" in data:
        if not _is_number(data["scoreGiven"]) or data["scoreGiven"] < 0:
            raise BadBody("field 'scoreGiven' must be a number >= 0 [AGS §3.4]")
        if not _is_number(data.get("scoreMaximum")) or data["scoreMaximum"] <= 0:
            raise BadBody("field 'scoreMaximum' must accompany scoreGiven and be > 0 [AGS §3.4]")
    if data.get("activityProgress") not in vocab.AGS_ACTIVITY_PROGRESS:
        raise BadBody("field 'activityProgress' is required and must be a known value [AGS §3.4]")
    if data.get("gradingProgress") not in vocab.AGS_GRADING_PROGRESS:
        raise BadBody("field 'gradingProgress' is required and must be a known value [AGS §3.4]")
    if "comment" in data and not isinstance(data["comment"], str):
        raise BadBody("field 'comment' must be a string [AGS §3.4]")
    return stamp


async def scores(request: Request) -> Response:
    """``POST /ags/{context}/lineitems/{n}/scores`` [AGS §3.4]."""
    st = _state(request)
    grant = require_scope(request, [vocab.SCOPE_AGS_SCORE])
    if isinstance(grant, Response):
        return grant
    item = _item_or_404(st, request, grant)
    if isinstance(item, Response):
        return item
    try:
        data = await _json_body(request, vocab.MEDIA_AGS_SCORE)
        stamp = _validate_score(st, item.context_id, data)
    except BadBody as exc:
        status = 415 if str(exc).startswith("Content-Type") else 400
        return oauth_error("invalid_request", str(exc), status)
    key = (item.number, data["userId"])
    previous = st.scores.get(key)
    if previous is not None and stamp <= previous.timestamp:
        # MUST NOT update when the stored score is newer; timestamps strictly increase [AGS §3.4].
        return oauth_error("conflict", "field 'timestamp' is not later than the last score for this user; "
                           "score ignored [AGS §3.4]", 409)
    st.scores[key] = ScoreRecord(stamp, data["timestamp"], data)
    return Response(status_code=204)


async def results(request: Request) -> Response:
    """``GET /ags/{context}/lineitems/{n}/results`` [AGS §3.3]."""
    st = _state(request)
    grant = require_scope(request, [vocab.SCOPE_AGS_RESULT_READONLY])
    if isinstance(grant, Response):
        return grant
    item = _item_or_404(st, request, grant)
    if isinstance(item, Response):
        return item
    if not accepts(request, vocab.MEDIA_AGS_RESULT_CONTAINER):
        return oauth_error("not_acceptable", f"Accept must allow {vocab.MEDIA_AGS_RESULT_CONTAINER}", 406)
    url = _item_url(st, item)
    wanted = request.query_params.get("user_id")
    listed: list[dict[str, Any]] = []
    for (number, user_id), record in st.scores.items():
        if number != item.number or (wanted is not None and user_id != wanted):
            continue
        result: dict[str, Any] = {"id": f"{url}/results/{user_id}", "scoreOf": url, "userId": user_id}
        score = record.score
        if "scoreGiven" in score:
            result["resultScore"] = score["scoreGiven"]
            result["resultMaximum"] = score["scoreMaximum"]
        if "comment" in score:
            result["comment"] = score["comment"]
        if "scoringUserId" in score:
            result["scoringUserId"] = score["scoringUserId"]
        listed.append(result)
    try:
        page, headers = paginate(request, listed, f"{url}/results")
    except BadQuery as exc:
        return oauth_error("invalid_request", str(exc))
    return json_response(page, 200, vocab.MEDIA_AGS_RESULT_CONTAINER, headers)
