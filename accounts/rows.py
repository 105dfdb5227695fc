"""Whole-row statements compiled once, for the few request paths measured in bench/.

The ORM rebuilds and recompiles a query on every call: for the submit path that was most of
its Python time (docs/performance.md), far more than the database spent on the same statements.
These helpers build the SQL of a row read, insert or update once per model and shape, keep it,
and turn rows into model instances the way the ORM does (`Model.from_db` after the backend's
and the fields' converters), so callers still get ordinary instances.

What they skip, on purpose: model signals (`pre_save`/`post_save`; none of the models used
here has a receiver: grep `connect(` before adding one) and `full_clean`. Values are prepared by
the fields themselves (`pre_save`, `get_db_prep_save`), so `auto_now`, JSON and time zones
behave as with `save()`. Every other path keeps the ORM.
"""

from functools import lru_cache

from django.db import connection


def _quote(name):
    return connection.ops.quote_name(name)


@lru_cache(maxsize=64)
def _readers(model, vendor):
    """(attnames, [(position, converter, column expression)]) for reading every concrete
    column of `model`; most columns need no converter at all."""
    fields = model._meta.concrete_fields
    steps = []
    for position, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
            steps.append((position, convert, column))
    return [field.attname for field in fields], tuple(steps)


def columns(model, alias):
    """`alias.col, alias.col, …` for every concrete column of `model`, in the order
    `instance_from` expects them."""
    return ", ".join(f"{alias}.{_quote(field.column)}" for field in model._meta.concrete_fields)


def width(model):
    """How many values `instance_from` reads for `model`."""
    return len(model._meta.concrete_fields)


def instance_from(model, values):
    """A `model` instance from the values of `columns(model, …)`, as the ORM would load it."""
    attnames, steps = _readers(model, connection.vendor)
    if steps:
        values = list(values)
        for position, convert, column in steps:
            values[position] = convert(values[position], column, connection)
    return model.from_db(connection.alias, attnames, values)


def fetch_one(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@lru_cache(maxsize=64)
def _update_sql(model, names, vendor):
    table = _quote(model._meta.db_table)
    fields = tuple(model._meta.get_field(name) for name in names)
    assignments = ", ".join(f"{_quote(field.column)} = %s" for field in fields)
    return f"UPDATE {table} SET {assignments} WHERE {_quote(model._meta.pk.column)} = %s", fields


def row_update(instance, names):
    """`instance.save(update_fields=names)` as one precompiled UPDATE (auto_now fields are
    refreshed as `save` would). Returns whether the row existed."""
    sql, fields = _update_sql(type(instance), tuple(names), connection.vendor)
    params = [field.get_db_prep_save(field.pre_save(instance, False), connection) for field in fields]
    params.append(instance.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


@lru_cache(maxsize=64)
def _insert_sql(model, count, on_conflict_ignore, returning, vendor):
    table = _quote(model._meta.db_table)
    fields = tuple(f for f in model._meta.concrete_fields if not (f.primary_key and f.db_returning))
    names = ", ".join(_quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * count)}"
    if on_conflict_ignore:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {_quote(model._meta.pk.column)}"
    return sql, fields


def rows_insert(instances, *, ignore_conflicts=False):
    """Insert unsaved `instances` of one model in one precompiled INSERT. Without
    `ignore_conflicts` each instance gets its primary key (RETURNING, in insertion order, as
    `bulk_create` relies on too); with it, conflicting rows are skipped and no key is set."""
    if not instances:
        return instances
    model = type(instances[0])
    sql, fields = _insert_sql(model, len(instances), ignore_conflicts, not ignore_conflicts, connection.vendor)
    params = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for instance in instances for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = None if ignore_conflicts else cursor.fetchall()
    for position, instance in enumerate(instances):
        if keys is not None:
            instance.pk = keys[position][0]
            instance._state.adding = False
            instance._state.db = connection.alias
    return instances
