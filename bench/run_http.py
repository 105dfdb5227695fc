# ruff: noqa: E501 (long table rows read better unbroken)
"""The bench runner's HTTP section: gunicorn serving /healthz, GET /api/v1/me/ and the submit
API in turn, loaded by spawned client processes on the same machine, with the CPU each request
costs gunicorn and PostgreSQL."""

import http.client
import json
import multiprocessing
import os
import random
import secrets
import statistics
import subprocess
import threading
import time
from pathlib import Path

from run_common import PORT, ROOT, example_answers, guarded, ms, open_problem_ids, pct, row, verdict


def _client(args):
    """One load-generator process: `threads` threads for `seconds`; returns (ok, other, latencies)."""
    path_kind, seconds, threads, tokens, plan, seed = args
    deadline = time.monotonic() + seconds
    results = []
    lock = threading.Lock()

    def worker(k):
        rng = random.Random(seed * 1000 + k)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        ok = other = 0
        lat = []
        codes = {}
        while time.monotonic() < deadline:
            if path_kind == "healthz":
                method, path, body, headers = "GET", "/healthz", None, {}
            elif path_kind == "me":
                token = rng.choice(tokens)
                method, path, body = "GET", "/api/v1/me/", None
                headers = {"Authorization": f"Token {token}"}
            else:
                token = rng.choice(tokens)
                slug, correct, incorrect = rng.choice(plan)
                answer = rng.choice(correct if rng.random() < 0.5 else incorrect)
                method, path = "POST", f"/api/v1/problems/{slug}/submit/"
                body = json.dumps({"answer": answer})
                headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            began = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                if resp.getheader("connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                status = 0
            lat.append(time.perf_counter() - began)
            codes[status] = codes.get(status, 0) + 1
            if 200 <= status < 300:
                ok += 1
            else:
                other += 1
        with lock:
            results.append((ok, other, lat, codes))

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return _merged(results)


def _merged(parts):
    """(ok, other, latencies, status codes) of several (ok, other, latencies, codes) parts."""
    codes = {}
    for part in parts:
        for code, count in part[3].items():
            codes[code] = codes.get(code, 0) + count
    return sum(p[0] for p in parts), sum(p[1] for p in parts), [x for p in parts for x in p[2]], codes


def load(kind, seconds, procs, threads, tokens=(), plan=()):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(procs) as pool:
        began = time.monotonic()
        parts = pool.map(_client, [(kind, seconds, threads, list(tokens), list(plan), p) for p in range(procs)])
        elapsed = time.monotonic() - began
    ok, other, lat, codes = _merged(parts)
    return ok / elapsed, ok, other, lat, codes


def _cpu_seconds():
    """CPU seconds used so far by gunicorn processes and by PostgreSQL backends on this machine."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"app": 0.0, "database": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        kind = "database" if name == "postgres" else "app" if b"gunicorn" in command else None
        if kind:
            used[kind] += (int(rest[11]) + int(rest[12])) / tick  # utime + stime
    return used


def _cpu_per_request(before, requests):
    after = _cpu_seconds()
    return tuple((after[k] - before[k]) * 1000 / max(1, requests) for k in ("app", "database"))


@guarded("http")
def gunicorn_throughput(seconds, tokens_wanted, workers=2, threads=2):
    from django.db.models import Q
    from rest_framework.authtoken.models import Token

    from accounts.models import Profile
    from learning.models import Problem

    answers = example_answers()
    allowed = [pk for pk in open_problem_ids() if pk in answers]
    plan = [
        (slug, answers[pk][0], answers[pk][1])
        for pk, slug in Problem.objects.filter(pk__in=allowed).values_list("pk", "slug")
    ]
    users = list(
        Profile.objects.filter(user__isnull=False, stats__total_xp__gt=0)
        .filter(~Q(user__is_staff=True))
        .order_by("?")
        .values_list("user_id", flat=True)[:tokens_wanted]
    )
    tokens = [Token.objects.get_or_create(user_id=uid)[0].key for uid in users]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        # The per-user API throttle (600/min by default) is load shedding; a few hundred tokens in
        # 10 s stay under it anyway, but raise it so it can never cut the measurement short.
        API_THROTTLE_USER="1000000/min",
        LOG_LEVEL="WARNING",
    )
    gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
    proc = subprocess.Popen(
        [gunicorn, "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{PORT}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open("/tmp/bench_gunicorn.log", "w"),  # noqa: SIM115 (lives as long as gunicorn)
    )
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer /healthz (see /tmp/bench_gunicorn.log)")
        load("healthz", 2, 2, 2)  # warm both workers' connections
        procs = 2
        cpu = {}
        before = _cpu_seconds()
        h_rps, h_ok, h_other, h_lat, h_codes = load("healthz", seconds, procs, threads)
        cpu["healthz"], before = _cpu_per_request(before, h_ok), _cpu_seconds()
        m_rps, m_ok, m_other, m_lat, m_codes = load("me", seconds, procs, threads, tokens)
        cpu["me"], before = _cpu_per_request(before, m_ok), _cpu_seconds()
        s_rps, s_ok, s_other, s_lat, s_codes = load("submit", seconds, procs, threads, tokens, plan)
        cpu["submit"] = _cpu_per_request(before, s_ok)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    load_desc = f"{procs} client processes × {threads} threads on the same 2 cores, {seconds} s"
    row(
        "http",
        f"gunicorn -w {workers} GET /healthz req/s ({load_desc})",
        f"{h_rps:,.0f} req/s; p50 {ms(statistics.median(h_lat))} ms, p99 {ms(pct(h_lat, 99))} ms; non-2xx {h_other}",
    )
    row(
        "http",
        f"gunicorn -w {workers} GET /api/v1/me/ req/s (token auth, same learners)",
        f"{m_rps:,.0f} req/s; p50 {ms(statistics.median(m_lat))} ms, p99 {ms(pct(m_lat, 99))} ms; status {dict(sorted(m_codes.items()))}",
    )
    row(
        "http",
        f"gunicorn -w {workers} POST /api/v1/problems/<slug>/submit/ req/s ({len(tokens)} token learners, half correct)",
        f"{s_rps:,.0f} req/s; p50 {ms(statistics.median(s_lat))} ms, p99 {ms(pct(s_lat, 99))} ms; status {dict(sorted(s_codes.items()))}",
    )
    row(
        "http",
        "CPU per request, gunicorn workers + PostgreSQL backends (ms): /healthz; /api/v1/me/; submit",
        "; ".join(f"{app:.2f} + {db:.2f}" for app, db in (cpu["healthz"], cpu["me"], cpu["submit"])),
    )
    # Two trivial JSON endpoints: /healthz (no authentication, one SELECT 1) and GET /api/v1/me/
    # (the API's cheapest authenticated read: token, user and profile in one query). The submit
    # pays the same authentication and DRF handling as the second.
    for label, base in (("/healthz", h_rps), ("GET /api/v1/me/", m_rps)):
        ratio = s_rps / base if base else 0
        row(
            "http",
            f"submit req/s as a share of {label} req/s",
            f"{ratio * 100:.0f} %",
            "≥ 30 %",
            verdict(ratio >= 0.30),
        )
