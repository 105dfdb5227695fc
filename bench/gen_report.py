# ruff: noqa: E501 (long SQL and table rows read better unbroken)
"""The summary bench/generate.py prints at the end: phase timings, row counts, table sizes."""

from gen_tasks import LOG


def table_sizes(cur):
    cur.execute(
        """
        SELECT c.relname, c.reltuples::bigint,
               pg_table_size(c.oid), pg_indexes_size(c.oid), pg_total_relation_size(c.oid)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r'
           AND c.relname IN ('accounts_user', 'accounts_profile', 'accounts_profilelink', 'learning_problem',
                             'learning_submission', 'learning_problemprogress', 'gamification_xpentry',
                             'gamification_activityday', 'gamification_profilestats', 'gamification_boardentry')
         ORDER BY pg_total_relation_size(c.oid) DESC
        """
    )
    return cur.fetchall()


def mb(n):
    return f"{n / 1048576:,.1f}"


def report(cur, args, total, frozen_count, board_note):
    cur.execute(
        """SELECT (SELECT count(*) FROM accounts_user), (SELECT count(*) FROM accounts_profile),
                  (SELECT count(*) FROM accounts_profile WHERE user_id IS NULL),
                  (SELECT count(*) FROM learning_problem), (SELECT count(*) FROM learning_submission),
                  (SELECT count(*) FROM learning_problemprogress),
                  (SELECT count(*) FROM learning_problemprogress WHERE status = 'completed'),
                  (SELECT count(*) FROM gamification_xpentry), (SELECT count(*) FROM gamification_activityday),
                  (SELECT count(*) FROM gamification_profilestats), (SELECT count(*) FROM gamification_boardentry),
                  (SELECT max(c) FROM (SELECT count(*) c FROM learning_submission GROUP BY profile_id) x),
                  (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY c)
                     FROM (SELECT count(*) c FROM learning_submission GROUP BY profile_id) x),
                  pg_database_size(current_database())"""
    )
    (
        users,
        profiles,
        children,
        problems,
        subs,
        progress,
        completed,
        xp,
        days,
        stats,
        boards,
        busiest,
        median,
        dbsize,
    ) = cur.fetchone()
    print()
    print(
        f"Generated {args.profiles:,} profiles / {args.submissions:,} requested submissions (seed {args.seed}) in {total:.1f} s"
    )
    print()
    print("| phase | rows | start s | seconds |")
    print("|---|---:|---:|---:|")
    for name, rows, start, seconds in sorted(LOG, key=lambda entry: entry[2]):  # by start
        print(f"| {name} | {rows:,} | {start:.1f} | {seconds:.1f} |")
    print(f"| **total** | | | **{total:.1f}** |")
    print()
    print("| what | count |")
    print("|---|---:|")
    for label, value in [
        ("users", users),
        ("profiles (managed children)", f"{profiles:,} ({children:,})"),
        ("problems", problems),
        ("submissions", subs),
        ("first solves (paid, = XP entries)", xp),
        ("progress rows (completed)", f"{progress:,} ({completed:,})"),
        ("activity days (frozen)", f"{days:,} ({frozen_count:,})"),
        ("profile stats rows", stats),
        ("board entries", boards),
        ("busiest / median active learner (submissions)", f"{busiest:,} / {median:,}"),
    ]:
        print(f"| {label} | {value:,} |" if isinstance(value, int) else f"| {label} | {value} |")
    print(f"| boards | {board_note} |")
    print()
    print("| table | rows (est.) | heap MB | indexes MB | total MB |")
    print("|---|---:|---:|---:|---:|")
    for name, rows, heap, idx, tot in table_sizes(cur):
        print(f"| {name} | {rows:,} | {mb(heap)} | {mb(idx)} | {mb(tot)} |")
    print(f"| database | | | | {mb(dbsize)} |")
