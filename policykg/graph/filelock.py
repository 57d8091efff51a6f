"""Who may open the embedded database beside whom, across processes.

Ladybug refuses a second read-write open, but not a read-write open beside read-only ones (those take
no lock), which its documentation does not support: a ``load`` could write under serving workers. So
every open takes a lock of policykg's own on a file beside the database: shared for read-only, exclusive
for read-write, never waiting. ``flock`` locks belong to the open file, so nothing else the process opens
or closes (the database file itself, say) can release them, as it would a POSIX ``fcntl`` lock.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from pathlib import Path

_held: dict[str, list[int]] = {}  # lock file -> [descriptor, exclusive (0/1), opens in this process]
_guard = threading.Lock()


class Locked(Exception):
    """Another process holds the database in a mode that excludes this one."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".policykg.lock")


def acquire(database: Path, *, exclusive: bool) -> str | None:
    """Take the lock for one open of ``database``; the key to give :func:`release`, or None where the
    lock file cannot be made (a read-only folder: then nobody can write there either).

    Opens within one process share one lock (the engine itself arbitrates those); a read-only holder
    asking for read-write upgrades it if no other process reads."""
    path = lock_path(database)
    key = str(path.resolve())
    with _guard:
        entry = _held.get(key)
        if entry is None:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError:
                if exclusive:
                    raise
                return None
            try:
                _flock(fd, exclusive)
            except BaseException:
                os.close(fd)
                raise
            _held[key] = [fd, int(exclusive), 1]
            return key
        if exclusive and not entry[1]:
            _flock(entry[0], True)
            entry[1] = 1
        entry[2] += 1
        return key


def release(key: str | None) -> None:
    if key is None:
        return
    with _guard:
        entry = _held.get(key)
        if entry is None:
            return
        entry[2] -= 1
        if entry[2] <= 0:
            del _held[key]
            os.close(entry[0])  # releases the flock


def _flock(fd: int, exclusive: bool) -> None:
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            raise Locked("held by another process") from None
        raise
