"""kept_merge is shared by the threads of a process (MAIL_SEND_ON_COMMIT: web threads send)."""

import sys
import threading

from outcry.core.mail import merge


def test_threads_keeping_merges_at_once_never_fail(monkeypatch):
    monkeypatch.setattr(merge, "Merge", lambda build, fields: object())
    monkeypatch.setattr(merge, "_merges", {})
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the race shows at once
    errors: list[Exception] = []

    def keep(thread: int) -> None:
        try:
            for n in range(5000):
                merge.kept_merge((thread, n % 100), None, [])
        except Exception as error:  # any error is the failure
            errors.append(error)

    threads = [threading.Thread(target=keep, args=(thread,)) for thread in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(merge._merges) == merge.MERGES_KEPT
