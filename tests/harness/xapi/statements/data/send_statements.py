"""A tiny scripted app for the capture tests: sends the statements of an NDJSON file to an xAPI endpoint.

    python send_statements.py ENDPOINT KEY SECRET FILE

The first two statements go in one POST (an array), every other one in its own PUT ?statementId=.
Exits 1 if the LRS refuses a request, so a broken capture shows as a failed launch."""

from __future__ import annotations

import json
import sys

import httpx


def main(endpoint: str, key: str, secret: str, path: str) -> int:
    with open(path, encoding="utf-8") as f:
        statements = [json.loads(line) for line in f if line.strip()]
    headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    with httpx.Client(auth=(key, secret), headers=headers, timeout=30) as client:
        answers = [client.post(f"{endpoint}/statements", content=json.dumps(statements[:2]))]
        for s in statements[2:]:
            answers.append(client.put(f"{endpoint}/statements", params={"statementId": s["id"]}, content=json.dumps(s)))
    bad = [a.status_code for a in answers if a.status_code >= 300]
    print(f"sent {len(statements)} statements; refused: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
