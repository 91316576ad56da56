"""The e-portal's human launcher page: one launch link per class member and tool.

Why: a vendor self-testing a tool in a browser needs the e-portal's "open this app" buttons;
each link is just the ``/launch`` starter with parameters, so what a human clicks is exactly
what a test drives. Every roster value is HTML-escaped (roster files are untrusted input).
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from renkei.harness.lti.protocol import vocab
from renkei.mocks.eportal.state import EportalState

MAX_CLASSES = 50
MAX_MEMBERS = 100


def launcher_html(st: EportalState) -> str:
    config, roster = st.config, st.roster
    parts = [
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">",
        f"<title>{escape(config.platform_name)}</title></head><body>",
        f"<h1>{escape(config.platform_name)}</h1>",
        f"<p>issuer: <code>{escape(config.issuer)}</code> — JWKS: <a href=\"/jwks\">/jwks</a></p>",
    ]
    if config.faults:
        parts.append(f"<p><strong>faults:</strong> {escape(', '.join(sorted(config.faults)))}</p>")
    for tool in config.tools:
        parts.append(f"<h2>{escape(tool.name or tool.client_id)}</h2>")
        for school_class in list(roster.classes.values())[:MAX_CLASSES]:
            parts.append(f"<h3>{escape(school_class.title)} ({escape(school_class.label)})</h3><ul>")
            for user, _ in roster.members(school_class.sourced_id)[:MAX_MEMBERS]:
                roles = roster.context_roles(user, school_class.sourced_id)
                base = {"client_id": tool.client_id, "user": user.sourced_id, "context": school_class.sourced_id}
                links = [f'<a href="/launch?{escape(urlencode(base))}">起動</a>',
                         f'<a href="/launch?{escape(urlencode(base | {"pii": "none"}))}">起動(PIIなし)</a>']
                if tool.deep_linking and vocab.ROLE_INSTRUCTOR in roles:
                    dl = base | {"message_type": vocab.MSG_DEEP_LINKING_REQUEST}
                    links.append(f'<a href="/launch?{escape(urlencode(dl))}">教材選択</a>')
                for link in st.links.values():
                    if link.client_id == tool.client_id and link.context_id == school_class.sourced_id:
                        query = urlencode(base | {"link": link.id})
                        links.append(f'<a href="/launch?{escape(query)}">{escape(link.title or link.id)}</a>')
                role_names = ", ".join(vocab.simple_role_name(r) for r in roles)
                parts.append(f"<li>{escape(user.name)} [{escape(role_names)}] {' '.join(links)}</li>")
            parts.append("</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
