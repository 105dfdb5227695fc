"""accounts.streams.by_profile: merging streams ordered by profile id, one learner at a time."""

from accounts.streams import by_profile


def test_streams_merge_by_profile_with_gaps_on_either_side():
    ledger = iter([(1, "a"), (1, "b"), (3, "c")])
    days = iter([(2, "d"), (3, "e"), (3, "f"), (5, "g")])
    assert list(by_profile(ledger, days)) == [
        (1, [(1, "a"), (1, "b")], []),
        (2, [], [(2, "d")]),
        (3, [(3, "c")], [(3, "e"), (3, "f")]),
        (5, [], [(5, "g")]),
    ]


def test_empty_streams_yield_nothing_and_one_stream_works_alone():
    assert list(by_profile(iter([]), iter([]))) == []
    assert list(by_profile(iter([{"id": 4}]), profile_id_of=lambda row: row["id"])) == [(4, [{"id": 4}])]


def test_streams_are_read_lazily():
    read = []

    def stream():
        for pk in range(1, 1_000_000):
            read.append(pk)
            yield (pk,)

    merged = by_profile(stream())
    assert next(merged) == (1, [(1,)])
    assert len(read) <= 3  # one learner ahead at most, never the whole stream
