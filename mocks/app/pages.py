"""HTML pages of the mock tool, with stable machine-readable markers.

Markers (documented contract; the harness's ``lti13-tool`` profile reads them):
- rejection: ``<p id="lti-error" data-code="CODE">`` where CODE is a key of
  ``renkei.mocks.app.validation.REJECTIONS``; HTTP status 400/401 (413, 502 for non-token failures);
- success:   ``<main id="lti-launch" data-status="ok" data-message-type="..." data-sub="..."
  data-launch-id="...">`` with HTTP 200;
- Deep Linking response: ``<form id="lti-dl-response" method="post" action="RETURN_URL">`` with
  ``<input type="hidden" name="JWT" id="lti-dl-jwt" value="...">``, auto-submitted by script.
Every value is HTML-escaped: claims come from the party under test and are untrusted.
"""

from __future__ import annotations

from html import escape
from typing import Any

from renkei.harness.lti.protocol import vocab
from renkei.mocks.app.state import Launch
from renkei.mocks.app.validation import REJECTIONS


def _page(title: str, body: str, script: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ja">\n<head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n<body>\n{body}\n{script}</body>\n</html>\n"
    )


def error_page(code: str, detail: str | None = None) -> str:
    rejection = REJECTIONS[code]
    detail_html = f'<p id="lti-error-detail">{escape(detail)}</p>\n' if detail else ""
    body = (
        "<h1>LTI 起動エラー / LTI launch error</h1>\n"
        f'<p id="lti-error" data-code="{escape(code)}">{escape(rejection.ja)} / {escape(rejection.en)}</p>\n'
        f"{detail_html}"
    )
    return _page("LTI error", body)


def _summary(launch: Launch) -> str:
    claims = launch.claims
    rows: list[tuple[str, Any]] = [
        ("sub", claims.get("sub")),
        ("name", claims.get("name")),
        ("roles", ", ".join(str(r) for r in claims.get(vocab.CLAIM_ROLES) or [])),
        ("deployment_id", claims.get(vocab.CLAIM_DEPLOYMENT_ID)),
        ("context", (claims.get(vocab.CLAIM_CONTEXT) or {}).get("title")),
        ("resource_link", (claims.get(vocab.CLAIM_RESOURCE_LINK) or {}).get("id")),
        ("custom", claims.get(vocab.CLAIM_CUSTOM)),
    ]
    cells = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows if v not in (None, "")
    )
    return f"<table>{cells}</table>\n"


def launch_page(launch: Launch, dl_form: str = "") -> str:
    services = ""
    if vocab.CLAIM_NRPS in launch.claims or vocab.CLAIM_AGS in launch.claims:
        services = (
            f'<form method="post" action="services/run?launch={escape(launch.id)}">'
            '<button type="submit">NRPS / AGS を実行 (run services)</button></form>\n'
        )
    body = (
        f'<main id="lti-launch" data-status="ok" data-message-type="{escape(launch.message_type)}" '
        f'data-sub="{escape(str(launch.claims.get("sub", "")))}" data-launch-id="{escape(launch.id)}">\n'
        "<h1>renkei 模擬学習アプリ / mock learning app</h1>\n"
        f"{_summary(launch)}{dl_form}{services}</main>"
    )
    script = (
        '<script>document.getElementById("lti-dl-response").submit();</script>\n' if dl_form else ""
    )
    return _page("renkei mock app", body, script)


def dl_form(return_url: str, jwt: str) -> str:
    return (
        f'<form id="lti-dl-response" method="post" action="{escape(return_url)}">'
        f'<input type="hidden" name="JWT" id="lti-dl-jwt" value="{escape(jwt)}">'
        '<noscript><button type="submit">プラットフォームへ戻る (return to platform)</button></noscript>'
        "</form>\n"
    )
