"""Application-generated, time-ordered 64-bit ids.

SQLite cannot autoincrement a composite primary key and ids must stay unique across shards,
so every tenant row gets an id from here: 41 bits of milliseconds since 2024-01-01,
10 bits of node (random per process) and 12 bits of sequence. The result is a positive
signed 64-bit integer that sorts by creation time.
"""

from __future__ import annotations

import os
import secrets
import threading
import time

EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
_NODE_BITS = 10
_SEQ_BITS = 12
_MAX_SEQ = (1 << _SEQ_BITS) - 1


class IdGenerator:
    """Snowflake-style generator; thread-safe, monotonic within a process."""

    def __init__(self, node: int | None = None) -> None:
        if node is None:
            node = secrets.randbelow(1 << _NODE_BITS) ^ (os.getpid() & ((1 << _NODE_BITS) - 1))
        self.node = node & ((1 << _NODE_BITS) - 1)
        self._lock = threading.Lock()
        self._last_ms = -1
        self._seq = 0

    def __call__(self) -> int:
        with self._lock:
            now = int(time.time() * 1000) - EPOCH_MS
            if now < self._last_ms:
                # Clock went backwards: keep issuing from the last instant, never repeat.
                now = self._last_ms
            if now == self._last_ms:
                self._seq = (self._seq + 1) & _MAX_SEQ
                if self._seq == 0:
                    now = self._last_ms + 1
            else:
                self._seq = 0
            self._last_ms = now
            return (now << (_NODE_BITS + _SEQ_BITS)) | (self.node << _SEQ_BITS) | self._seq


new_id = IdGenerator()
