"""Run the same action from several threads at once, each with its own database connection."""

import threading

from django.db import connection


def race(count, target):
    """Call `target(i)` for i in range(count) in threads released together by a barrier.

    Returns each call's result, or the exception it raised (the losers' errors are usually the
    point of a concurrency test). Each thread closes its connection when done.
    """
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def run(index):
        try:
            barrier.wait()
            outcomes[index] = target(index)
        except Exception as error:  # returned to the test, which asserts on it
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
