"""Values kept in this process for a few seconds, in front of the shared cache or the database.

For what the request paths read many times and staff change rarely (badges, achievement
definitions, published problems): reading the shared cache unpickles the value each time,
which cost the submit path more than the rest of its gamification logic. The process that
changes the source forgets its memo at once; other processes see the change once their memo
expires. Tests forget every memo between tests (`memos_forget_all`), as a rollback leaves no
signal behind.
"""

import weakref
from time import monotonic

_MEMOS = weakref.WeakSet()


class ProcessMemo:
    """Values by key, each kept `seconds` after it was loaded. A loaded None is not kept."""

    def __init__(self, seconds):
        self.seconds = seconds
        self._entries = {}
        _MEMOS.add(self)

    def get(self, key, load):
        entry = self._entries.get(key)
        if entry is not None and entry[0] > monotonic():
            return entry[1]
        value = load()
        if value is not None:
            self._entries[key] = (monotonic() + self.seconds, value)
        return value

    def forget(self, **signal_kwargs):
        self._entries.clear()


def memos_forget_all():
    for memo in list(_MEMOS):
        memo.forget()
