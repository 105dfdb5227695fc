#!/usr/bin/env python
"""CPU and wall time per request of the submit API, GET /api/v1/me/ or /healthz, served by
Django's WSGI handler in this process (no gunicorn, no network client): the quickest way to see
what a change to the request path costs, and where (`--statements`, or under py-spy).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/learnloop_bench \
        .venv/bin/python bench/inprocess.py submit [--requests 1000] [--statements]

The same mix as run.py's gunicorn section: 300 token learners answering random open problems,
half correctly (most never opened). Writes submissions and tokens into the bench database.
"""

import argparse
import collections
import json
import os
import random
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.update(
    DEBUG="false",
    SECRET_KEY=secrets.token_urlsafe(64),
    ALLOWED_HOSTS="testserver",
    API_THROTTLE_USER="1000000/min",
    LOG_LEVEL="WARNING",
)

import django

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from run_common import example_answers, open_problem_ids  # noqa: E402

from accounts.models import Profile  # noqa: E402
from learning.models import Problem  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoint", choices=["submit", "me", "healthz"])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--statements", action="store_true", help="time each statement shape the requests run")
    args = parser.parse_args()

    answers = example_answers()
    allowed = [pk for pk in open_problem_ids() if pk in answers]
    plan = [
        (slug, answers[pk][0], answers[pk][1])
        for pk, slug in Problem.objects.filter(pk__in=allowed).values_list("pk", "slug")
    ]
    learners = (
        Profile.objects.filter(user__isnull=False, stats__total_xp__gt=0)
        .filter(~Q(user__is_staff=True))
        .order_by("?")
        .values_list("user_id", flat=True)[:300]
    )
    tokens = [Token.objects.get_or_create(user_id=user_id)[0].key for user_id in learners]
    handler, factory, rng = WSGIHandler(), RequestFactory(), random.Random(1)

    def request():
        auth = {"HTTP_AUTHORIZATION": f"Token {rng.choice(tokens)}"}
        if args.endpoint == "healthz":
            environ = factory.get("/healthz").environ
        elif args.endpoint == "me":
            environ = factory.get("/api/v1/me/", **auth).environ
        else:
            slug, correct, incorrect = rng.choice(plan)
            body = json.dumps({"answer": rng.choice(correct if rng.random() < 0.5 else incorrect)})
            environ = factory.post(
                f"/api/v1/problems/{slug}/submit/", data=body, content_type="application/json", **auth
            ).environ
        status = []
        b"".join(handler(environ, lambda line, headers, *rest: status.append(line)))
        return status[0]

    for _ in range(200):  # warm: connections, prepared statements, caches
        request()
    timings = collections.defaultdict(list)
    if args.statements:

        def timed(execute, sql, params, many, context):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings[" ".join(sql.split())[:80]].append(time.perf_counter() - began)

        connection.execute_wrappers.append(timed)
    codes = collections.Counter()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        codes[request()] += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = args.requests
    print(f"{args.endpoint}: {n} requests; per request: wall {wall / n * 1000:.2f} ms, CPU of this process "
          f"{cpu / n * 1000:.2f} ms; {dict(codes)}")  # fmt: skip
    for shape, times in sorted(timings.items(), key=lambda item: -sum(item[1])):
        times.sort()
        print(f"  {len(times) / n:5.2f} per request, median {times[len(times) // 2] * 1e6:6.0f} µs: {shape}")


if __name__ == "__main__":
    main()
