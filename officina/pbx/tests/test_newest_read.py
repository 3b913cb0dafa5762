"""A refresh that started before a newer read, and ends after it, is dropped."""

import threading

from officina.pbx.newest_read import NewestRead


def test_a_slow_older_read_does_not_put_back_what_a_newer_read_replaced():
    kept: list[str] = []
    versions = iter(["old", "new", "newer"])
    older_may_end = threading.Event()
    older_has_read = threading.Event()

    def read() -> str:
        version = next(versions)
        if version == "old":
            older_has_read.set()
            assert older_may_end.wait(30)
        return version

    newest = NewestRead(read, kept.append)
    results: list[bool] = []
    older = threading.Thread(target=lambda: results.append(newest()))
    older.start()
    assert older_has_read.wait(30)
    assert newest() is True  # started later, ends first: kept
    older_may_end.set()
    older.join(30)
    assert results == [False]
    assert kept == ["new"]
    assert newest() is True  # a read that starts now is kept again
