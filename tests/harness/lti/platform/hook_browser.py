"""A stand-in for a vendor's launch hook that drives its own browser (run as a subprocess).

It opens the launch URL given as argv[1] and submits the auto-submit forms it meets, over real
sockets, printing no URL: the harness must notice the launch on its served Tool side.
"""

from __future__ import annotations

import html
import re
import sys

import httpx

FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"', re.IGNORECASE)
FIELD = re.compile(r'name="([^"]+)" value="([^"]*)"')


def main(url: str) -> None:
    with httpx.Client(follow_redirects=True, timeout=10) as client:
        page = client.get(url)
        for _ in range(4):
            match = FORM.search(page.text)
            if match is None:
                break
            fields = {k: html.unescape(v) for k, v in FIELD.findall(page.text)}
            page = client.post(html.unescape(match.group(1)), data=fields)
    print("launch driven by the vendor browser")


if __name__ == "__main__":
    main(sys.argv[1])
