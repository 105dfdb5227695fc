"""Progress display and a small parallel task runner for bench/generate.py.

`Phase` times one step of the main session (a live line on stderr while it runs). `run_tasks`
runs a list of `Task`s on N worker threads, each with its own PostgreSQL connection: a task
starts when its dependencies are done and no running task holds a conflicting table lock
(`excl` conflicts with anything on the same table, `shared` only with `excl`), so the workers
never queue behind each other's locks. Tasks are taken in list order, so the list is the
priority. One status line shows every running task; each finished task prints its own line.
"""

import shutil
import sys
import threading
import time

LOG = []  # (name, rows, start offset s, seconds) of every phase and task, in finishing order
T0 = time.monotonic()
CLEAR = "\r\033[K" if sys.stderr.isatty() else ""  # erase the status line


def _fmt_rows(rows, total):
    return f"{rows:,}" + (f"/{total:,}" if total else "")


def _write(text):
    sys.stderr.write(text)
    sys.stderr.flush()


class Phase:
    """One named step of the main session: a live line on stderr and a timing record."""

    def __init__(self, name, total=None):
        self.name, self.total, self.rows = name, total, 0
        self._stop = threading.Event()

    def add(self, rows):
        self.rows += max(0, rows or 0)

    def _line(self):
        elapsed = time.monotonic() - self.start
        bar = ""
        if self.total:
            filled = int(20 * min(1.0, self.rows / self.total))
            bar = "[" + "#" * filled + "." * (20 - filled) + "] "
        return f"  {self.name:<38} {bar}{_fmt_rows(self.rows, self.total):>22} rows  {elapsed:7.1f} s"

    def _tick(self):
        if not sys.stderr.isatty():
            return
        while not self._stop.wait(0.5):
            _write(CLEAR + self._line())

    def __enter__(self):
        self.start = time.monotonic()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.seconds = time.monotonic() - self.start
        _write(CLEAR + self._line() + "\n")
        LOG.append((self.name, self.rows, self.start - T0, self.seconds))
        return False


class Task:
    """A unit of work for run_tasks: fn(conn, task), with dependencies and table locks."""

    def __init__(self, name, fn, deps=(), excl=(), shared=(), total=None):
        self.name, self.fn, self.total = name, fn, total
        self.deps, self.excl, self.shared = list(deps), set(excl), set(shared)
        self.rows, self.start, self.seconds = 0, None, None

    def add(self, rows):
        self.rows += max(0, rows or 0)

    def run(self, conn, sql, params=None):
        """Execute on the task's connection; counts the affected rows."""
        cur = conn.execute(sql, params)
        if cur.rowcount and cur.rowcount > 0:
            self.add(cur.rowcount)
        return cur.rowcount

    def __repr__(self):
        return f"<Task {self.name}>"


def run_tasks(tasks, connect, workers=2, label="parallel"):
    """Run `tasks` on `workers` threads (connect() gives each its connection); raise the first error."""
    pending, running, done = list(tasks), [], set()
    for t in tasks:
        missing = [d for d in t.deps if d not in tasks]
        if missing:
            raise ValueError(f"{t.name}: dependencies not in the run: {missing}")
    cond = threading.Condition()
    errors = []
    start = time.monotonic()

    def conflicts(task):
        held_excl = set().union(*(r.excl for r in running)) if running else set()
        held_any = held_excl.union(*(r.shared for r in running)) if running else set()
        return bool(task.excl & held_any or task.shared & held_excl)

    def ready(task):
        return all(d in done for d in task.deps) and not conflicts(task)

    conns = []

    def worker():
        conn = None
        try:
            conn = connect()
            with cond:
                conns.append(conn)
            while True:
                with cond:
                    while True:
                        if errors or not pending:
                            return
                        task = next((t for t in pending if ready(t)), None)
                        if task is not None:
                            break
                        if not running:  # nothing runs and nothing can start: a dependency cycle
                            raise RuntimeError(f"tasks that can never start: {pending}")
                        cond.wait()
                    pending.remove(task)
                    running.append(task)
                    task.start = time.monotonic()
                try:
                    task.fn(conn, task)
                finally:
                    with cond:
                        running.remove(task)
                        cond.notify_all()
                with cond:
                    task.seconds = time.monotonic() - task.start
                    done.add(task)
                    LOG.append((task.name, task.rows, task.start - T0, task.seconds))
                    _write(
                        f"{CLEAR}  {task.name:<38} {_fmt_rows(task.rows, task.total):>22} rows  "
                        f"{task.seconds:7.1f} s  (at {task.start - T0:6.1f} s)\n"
                    )
        except BaseException as error:  # re-raised in the main thread
            with cond:
                errors.append(error)
                cond.notify_all()
        finally:
            if conn is not None:
                conn.close()

    stop = threading.Event()

    def tick():
        if not sys.stderr.isatty():
            return
        while not stop.wait(0.5):
            with cond:
                now = time.monotonic()
                parts = [
                    f"{t.name} {_fmt_rows(t.rows, t.total) + ' ' if t.rows else ''}{now - t.start:.0f}s"
                    for t in running
                ]
                left = len(pending)
            line = f"  [{label} {now - start:6.1f} s, {left} queued] " + " | ".join(parts)
            _write(CLEAR + line[: shutil.get_terminal_size().columns - 1])

    threads = [threading.Thread(target=worker, name=f"gen-worker-{i}") for i in range(workers)]
    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except BaseException as error:  # Ctrl-C: start nothing more, cancel what runs
        with cond:
            errors.append(error)
            for conn in conns:
                conn.cancel()
        for t in threads:
            t.join()
    stop.set()
    ticker.join()
    _write(CLEAR)
    if errors:
        raise errors[0]
    if pending:
        raise RuntimeError(f"tasks not run: {pending}")
    return time.monotonic() - start
