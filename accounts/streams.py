"""Walking several row streams, each ordered by profile id, one learner at a time.

The integrity checks compare cached figures with the facts for every learner. Holding either
side whole in memory grew with the data (1.5 GB at 100,000 learners); merging streams ordered by
profile id holds one learner's rows at a time, whatever the size of the database.
"""

from itertools import groupby

_DONE = object()


def by_profile(*streams, profile_id_of=lambda row: row[0]):
    """Yield (profile_id, rows of the first stream, rows of the second, …) for every profile id
    found in any stream, in ascending order; a stream without rows for it gives []. Each stream
    must be ordered by profile id (`profile_id_of` reads it from a row)."""
    groups = [groupby(stream, key=profile_id_of) for stream in streams]
    heads = [next(group, _DONE) for group in groups]
    while True:
        current = [head[0] for head in heads if head is not _DONE]
        if not current:
            return
        profile_id = min(current)
        rows = []
        for position, head in enumerate(heads):
            if head is not _DONE and head[0] == profile_id:
                rows.append(list(head[1]))
                heads[position] = next(groups[position], _DONE)
            else:
                rows.append([])
        yield (profile_id, *rows)
