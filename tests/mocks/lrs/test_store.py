"""The store under concurrent writers, and on a file that outlives the app."""

from __future__ import annotations

import threading
from pathlib import Path

from starlette.testclient import TestClient

from renkei.mocks.lrs.app import create_app
from renkei.mocks.lrs.store import LrsStore
from tests.mocks.lrs.conftest import config, headers, statement


def test_concurrent_writers_lose_nothing(lrs: TestClient) -> None:
    errors: list[str] = []

    def writer(w: int) -> None:
        for i in range(10):
            r = lrs.post("/xapi/statements", json=[statement(w * 100 + i), statement(w * 100 + i + 50)],
                         headers=headers())
            if r.status_code != 200:
                errors.append(r.text)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = lrs.app.state.store  # type: ignore[attr-defined]
    assert store.rows("SELECT COUNT(*), COUNT(DISTINCT id) FROM statements")[0] == (80, 80)
    stored = [r[0] for r in store.rows("SELECT stored FROM statements ORDER BY seq")]
    assert stored == sorted(stored)  # stored never goes back in insertion order


def test_a_db_path_keeps_statements_across_apps(tmp_path: Path) -> None:
    path = tmp_path / "lrs.sqlite"
    first = TestClient(create_app(config(db_path=path)))
    sid = first.post("/xapi/statements", json=statement(), headers=headers()).json()[0]
    first.app.state.store.close()  # type: ignore[attr-defined]
    second = TestClient(create_app(config(db_path=path)))
    assert second.get("/xapi/statements", params={"statementId": sid}, headers=headers()).status_code == 200
    second.app.state.store.close()  # type: ignore[attr-defined]
    assert path.exists()


def test_temporary_store_is_removed_on_close() -> None:
    store = LrsStore()
    path = store.path
    assert path.exists()
    store.close()
    assert not path.exists()


def test_concurrent_puts_of_one_id_store_one_statement(lrs: TestClient) -> None:
    sid = "0a8c5a4e-6f61-4c1f-9d4b-2f6c1e7d9b00"
    statuses: list[int] = []

    def put(n: int) -> None:
        r = lrs.put("/xapi/statements", params={"statementId": sid}, json=statement(n), headers=headers())
        statuses.append(r.status_code)

    threads = [threading.Thread(target=put, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [204] + [409] * 5  # every statement differs: the first wins, the rest conflict
    store = lrs.app.state.store  # type: ignore[attr-defined]
    assert store.rows("SELECT COUNT(*) FROM statements")[0][0] == 1
