"""Fixtures for the mock LRS: an in-process app (Starlette TestClient over the ASGI app) and statements."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from renkei.mocks.lrs.app import create_app
from renkei.mocks.lrs.config import LrsClient, LrsConfig

KEY, SECRET = "app", "s3cret"


def basic(key: str = KEY, secret: str = SECRET) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def headers(version: str = "1.0.3", **extra: str) -> dict[str, str]:
    return {"X-Experience-API-Version": version, "Authorization": basic(), **extra}


def statement(n: int = 0, **over: Any) -> dict[str, Any]:
    """A valid statement by a generated learner (no real person)."""
    st: dict[str, Any] = {
        "actor": {"objectType": "Agent", "name": f"生徒{n}",
                  "account": {"homePage": "https://portal.example.jp", "name": f"learner-{n:04d}"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered", "ja-JP": "回答した"}},
        "object": {"objectType": "Activity", "id": f"https://app.example.jp/q/{n % 3}",
                   "definition": {"name": {"ja-JP": f"問題{n % 3}"}}},
        "timestamp": "2026-12-04T01:02:03.456Z",
    }
    st.update(over)
    return st


def config(**kw: Any) -> LrsConfig:
    clients = kw.pop("clients", [LrsClient(key=KEY, secret=SECRET, name="学習アプリ"),
                                 LrsClient(key="reader", secret="r", scopes=("all/read",))])
    return LrsConfig(clients=clients, **kw)


@pytest.fixture
def make_client(tmp_path: Any) -> Iterator[Callable[..., TestClient]]:
    made: list[TestClient] = []

    def make(**kw: Any) -> TestClient:
        app = create_app(config(**kw))
        client = TestClient(app)
        made.append(client)
        return client

    yield make
    for c in made:
        c.app.state.store.close()  # type: ignore[attr-defined]


@pytest.fixture
def lrs(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def new_id() -> str:
    return str(uuid.uuid4())
