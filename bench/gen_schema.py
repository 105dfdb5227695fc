# ruff: noqa: E501 (catalog SQL reads better unbroken)
"""Bulk-load schema handling for bench/generate.py: take the big tables' secondary indexes,
unique constraints and foreign keys off before the load, and put back exactly what Django's
migrations made afterwards, as parallel tasks (gen_tasks.Task).

Restoring follows the usual bulk-load recipe, with every constraint checked at the end:
  * plain and partial unique indexes: `CREATE [UNIQUE] INDEX` with the catalog's own definition;
  * unique constraints: `CREATE UNIQUE INDEX` (a sorted build that checks uniqueness), then
    `ALTER TABLE … ADD CONSTRAINT … UNIQUE USING INDEX` (instant);
  * foreign keys: `ADD CONSTRAINT … NOT VALID` (instant, no per-row trigger events during the
    load), then `VALIDATE CONSTRAINT` (one anti-join over the table, under a lock that lets the
    other tables' work go on).
Primary keys and check constraints stay live throughout. `fingerprint()` lists every constraint
and index of the public schema with its definition, validity and deferrability; the generator
takes it right after `migrate` and requires the same list at the end.
"""

from gen_tasks import Task


def _q(name):
    return '"' + name.replace('"', '""') + '"'


FINGERPRINT_SQL = """
SELECT 'constraint', c.conrelid::regclass::text, c.conname, c.contype::text, pg_get_constraintdef(c.oid),
       c.convalidated::text || '/' || c.condeferrable::text || '/' || c.condeferred::text
  FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
 WHERE n.nspname = 'public'
UNION ALL
SELECT 'index', i.indrelid::regclass::text, ci.relname, '', pg_get_indexdef(i.indexrelid),
       i.indisvalid::text || '/' || i.indisready::text || '/' || i.indisunique::text || '/' || i.indisprimary::text
       || '/' || i.indimmediate::text
  FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ci.relnamespace
 WHERE n.nspname = 'public'
ORDER BY 1, 2, 3
"""


def fingerprint(cur):
    cur.execute(FINGERPRINT_SQL)
    return [tuple(row) for row in cur.fetchall()]


def fingerprint_diff(before, after):
    gone, new = sorted(set(before) - set(after)), sorted(set(after) - set(before))
    return [f"missing: {row}" for row in gone] + [f"unexpected: {row}" for row in new]


def strip(cur, tables):
    """Drop the FKs, unique constraints and non-PK indexes of `tables`; return what to restore."""
    plan = {}
    for table in tables:
        cur.execute(
            """SELECT conname, pg_get_constraintdef(oid), confrelid::regclass::text FROM pg_constraint
                WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname""",
            [table],
        )
        fks = cur.fetchall()
        cur.execute(
            """SELECT conname, pg_get_indexdef(conindid), condeferrable, condeferred FROM pg_constraint
                WHERE conrelid = %s::regclass AND contype = 'u' ORDER BY conname""",
            [table],
        )
        uniques = cur.fetchall()
        cur.execute(
            """SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
                WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
                ORDER BY ci.relname""",
            [table],
        )
        indexes = cur.fetchall()
        for name, *_ in fks + uniques:
            cur.execute(f"ALTER TABLE {_q(table)} DROP CONSTRAINT {_q(name)}")
        for name, _definition in indexes:
            cur.execute(f"DROP INDEX {_q(name)}")
        plan[table] = {"fks": fks, "uniques": uniques, "indexes": indexes}
    return plan


def restore_tasks(plan, loads, vacuum=True):
    """Tasks putting back what strip() took off: index builds (largest first), FKs, and per table
    a final task attaching the unique constraints and running VACUUM (ANALYZE).

    loads: {table: [tasks writing into it]}. Returns (tasks, {table: final task}).
    """
    add_fk, builds, validates, finish = [], [], [], {}
    per_table = {}
    for table, what in plan.items():
        deps = list(loads.get(table, []))
        mine = []
        for name, definition in what["indexes"]:
            mine.append(_build(f"index {name}", table, definition, deps))
        for name, definition, _deferrable, _deferred in what["uniques"]:
            mine.append(_build(f"unique {name}", table, definition, deps))
        builds += mine
        checks = []
        if what["fks"]:
            referenced = {ref for _n, _d, ref in what["fks"] if ref in plan}
            fk_deps = deps + [t for ref in referenced for t in loads.get(ref, [])]
            adder = Task(
                f"foreign keys {table} (NOT VALID)",
                _add_fks(table, what["fks"]),
                deps=fk_deps,
                excl={table, *referenced},
            )
            add_fk.append(adder)
            for name, _definition, ref in what["fks"]:
                checks.append(
                    Task(
                        f"validate {name}",
                        _validate(table, name),
                        deps=[adder],
                        excl={table},
                        shared={ref} if ref in plan else (),
                    )
                )
        validates += checks
        per_table[table] = mine + checks
    for table, what in plan.items():
        finish[table] = Task(
            f"finish {table} (vacuum analyze)",
            _finish(table, what["uniques"], vacuum),
            deps=per_table[table] or list(loads.get(table, [])),
            excl={table},
        )
    order = list(plan)  # the caller lists the biggest table first
    builds.sort(key=lambda t: order.index(t.table))
    return add_fk + builds + validates, finish


def _build(name, table, definition, deps):
    def fn(conn, task):
        conn.execute(definition)
        task.add(1)

    task = Task(name, fn, deps=deps, shared={table})
    task.table = table
    return task


def _add_fks(table, fks):
    def fn(conn, task):
        for name, definition, _ref in fks:
            conn.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition} NOT VALID")
            task.add(1)

    return fn


def _validate(table, name):
    def fn(conn, task):
        conn.execute(f"ALTER TABLE {_q(table)} VALIDATE CONSTRAINT {_q(name)}")
        task.add(1)

    return fn


def _finish(table, uniques, vacuum):
    def fn(conn, task):
        for name, _definition, deferrable, deferred in uniques:
            timing = (" DEFERRABLE" if deferrable else "") + (" INITIALLY DEFERRED" if deferred else "")
            conn.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} UNIQUE USING INDEX {_q(name)}{timing}")
        conn.execute(f"{'VACUUM (ANALYZE)' if vacuum else 'ANALYZE'} {_q(table)}")
        task.add(1)

    return fn
