"""Whole-row statements compiled once, for the few request paths measured in bench/.

The ORM rebuilds and recompiles a query on every call: for the submit path that was most of
its Python time (docs/performance.md), far more than the database spent on the same statements.
These helpers build the SQL of a row read, insert or update once per model and shape, keep it,
and turn rows into model instances the way the ORM does (`Model.from_db` after the backend's
and the fields' converters), so callers still get ordinary instances. `WriteBatch` sends writes
that do not depend on one another together.

What they skip, on purpose: model signals (`pre_save`/`post_save`; none of the models used
here has a receiver: grep `connect(` before adding one) and `full_clean`. Values are prepared by
the fields themselves (`pre_save`, `get_db_prep_save`), so `auto_now`, JSON and time zones
behave as with `save()`; database-side defaults (`db_default`) and generated fields are not
supported (`_insert_sql` refuses them). Every other path keeps the ORM.
"""

from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections


def _db():
    # The wrapper itself, once per call: every attribute read through `django.db.connection`
    # is a lookup in a context-local mapping, and field preparation reads it many times.
    return connections[DEFAULT_DB_ALIAS]


@lru_cache(maxsize=64)
def _readers(model, vendor):
    """(attnames, [(position, converter, column expression)]) for reading every concrete
    column of `model`; most columns need no converter at all."""
    db = _db()
    fields = model._meta.concrete_fields
    steps = []
    for position, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        for convert in db.ops.get_db_converters(column) + column.get_db_converters(db):
            steps.append((position, convert, column))
    return [field.attname for field in fields], tuple(steps)


def columns(model, alias):
    """`alias.col, alias.col, …` for every concrete column of `model`, in the order
    `instance_from` expects them."""
    quote = _db().ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def width(model):
    """How many values `instance_from` reads for `model`."""
    return len(model._meta.concrete_fields)


def instance_from(model, values):
    """A `model` instance from the values of `columns(model, …)`, as the ORM would load it."""
    db = _db()
    attnames, steps = _readers(model, db.vendor)
    if steps:
        values = list(values)
        for position, convert, column in steps:
            values[position] = convert(values[position], column, db)
    return model.from_db(db.alias, attnames, values)


def fetch_one(sql, params):
    with _db().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@lru_cache(maxsize=64)
def _update_sql(model, names, vendor):
    quote = _db().ops.quote_name
    fields = tuple(model._meta.get_field(name) for name in names)
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    return f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s", fields


def _update_statement(db, instance, names):
    sql, fields = _update_sql(type(instance), tuple(names), db.vendor)
    params = [field.get_db_prep_save(field.pre_save(instance, False), db) for field in fields]
    params.append(instance.pk)
    return sql, params


def row_update(instance, names):
    """`instance.save(update_fields=names)` as one precompiled UPDATE (auto_now fields are
    refreshed as `save` would). Returns whether the row existed."""
    db = _db()
    sql, params = _update_statement(db, instance, names)
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


@lru_cache(maxsize=64)
def _insert_sql(model, count, on_conflict_ignore, returning, vendor):
    quote = _db().ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if not (f.primary_key and f.db_returning))
    unsupported = [f.name for f in fields if f.generated or f.has_db_default()]
    assert not unsupported, f"accounts.rows cannot insert {model.__name__}: {unsupported} are set by the database"
    names = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES {', '.join([row] * count)}"
    if on_conflict_ignore:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    return sql, fields


def _insert_statement(db, instances, *, ignore_conflicts, returning):
    sql, fields = _insert_sql(type(instances[0]), len(instances), ignore_conflicts, returning, db.vendor)
    params = [field.get_db_prep_save(field.pre_save(instance, True), db) for instance in instances for field in fields]
    return sql, params


def rows_insert(instances, *, ignore_conflicts=False):
    """Insert unsaved `instances` of one model in one precompiled INSERT. Without
    `ignore_conflicts` each instance gets its primary key (RETURNING, in insertion order, as
    `bulk_create` relies on too); with it, conflicting rows are skipped and no key is set."""
    if not instances:
        return instances
    db = _db()
    returning = not ignore_conflicts
    sql, params = _insert_statement(db, instances, ignore_conflicts=ignore_conflicts, returning=returning)
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall() if returning else None
    if keys is not None:
        for instance, (key,) in zip(instances, keys, strict=True):
            instance.pk = key
            instance._state.adding = False
            instance._state.db = db.alias
    return instances


def row_insert_then_update(new, instance, names, *, pointer):
    """Insert unsaved `new`, then `row_update(instance, names)`, where `instance`'s foreign key
    `pointer` (one of `names`) may point at `new`: as ONE statement on PostgreSQL (the insert a
    data-modifying WITH part whose key the update reads), two elsewhere. `new` gets its primary
    key, and so does `instance`'s pointer when it points at `new`. Raises DatabaseError when
    `instance`'s row does not exist (`new` is inserted all the same: roll back)."""
    db = _db()
    field = type(instance)._meta.get_field(pointer)
    points_at_new = field.is_cached(instance) and field.get_cached_value(instance) is new
    if db.vendor != "postgresql":
        rows_insert([new])
        if points_at_new:
            _point_at(instance, field, new)
        if not row_update(instance, names):
            raise DatabaseError(f"{type(instance).__name__} {instance.pk} does not exist")
        return
    insert_sql, params = _insert_statement(db, [new], ignore_conflicts=False, returning=True)
    update_sql, fields = _pointing_update_sql(type(instance), tuple(names), pointer, db.vendor)
    for each in fields:
        if each is field:
            params += [points_at_new, getattr(instance, field.attname)]
        else:
            params.append(each.get_db_prep_save(each.pre_save(instance, False), db))
    params.append(instance.pk)
    with db.cursor() as cursor:
        cursor.execute(f"WITH inserted AS ({insert_sql}) {update_sql}", params)
        row = cursor.fetchone()
    if row is None:  # `new` is in: the caller's transaction must not commit
        raise DatabaseError(f"{type(instance).__name__} {instance.pk} does not exist")
    new.pk = row[0]
    new._state.adding = False
    new._state.db = db.alias
    if points_at_new:
        _point_at(instance, field, new)


def _point_at(instance, field, new):
    setattr(instance, field.attname, new.pk)  # which forgets the cached object: keep it, as save() would
    field.set_cached_value(instance, new)


@lru_cache(maxsize=16)
def _pointing_update_sql(model, names, pointer, vendor):
    quote = _db().ops.quote_name
    fields = tuple(model._meta.get_field(name) for name in names)
    new_key = quote(model._meta.get_field(pointer).related_model._meta.pk.column)
    assignments = []
    for field in fields:
        column = quote(field.column)
        if field.name == pointer:
            assignments.append(f"{column} = CASE WHEN %s THEN (SELECT {new_key} FROM inserted) ELSE %s END")
        else:
            assignments.append(f"{column} = %s")
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {', '.join(assignments)} "
        f"WHERE {quote(model._meta.pk.column)} = %s RETURNING (SELECT {new_key} FROM inserted)"
    )
    return sql, fields


def row_insert_if_absent(instance):
    """Insert unsaved `instance` unless a row with the same unique values exists (ON CONFLICT
    DO NOTHING; on PostgreSQL a conflicting row still being inserted by another transaction is
    waited for). Returns whether it was inserted; then `instance` has its primary key."""
    db = _db()
    sql, params = _insert_statement(db, [instance], ignore_conflicts=True, returning=True)
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = db.alias
    return True


class WriteBatch:
    """Writes that neither read nor touch one another's rows, sent together when `run`.

    On PostgreSQL they go out as ONE statement, each write a data-modifying part of its WITH
    clause: one round trip, one parse and one plan instead of one each (a learner action's XP
    entries, activity day, board entries and stats row). PostgreSQL runs every part exactly
    once on the same snapshot, so no part may depend on another's effect; a failing part fails
    the statement, as it would have failed the transaction. At most one added statement may
    have a WITH clause of its own; it becomes the main one. Elsewhere (SQLite, which has no
    data-modifying WITH) the writes run one by one in the order added. Inserted rows get no
    primary keys: use `rows_insert` when the caller needs them.
    """

    def __init__(self):
        self._parts = []

    def __len__(self):
        return len(self._parts)

    def add(self, sql, params):
        self._parts.append((sql.strip(), list(params)))

    def insert(self, instances, *, ignore_conflicts=False):
        if instances:
            self.add(*_insert_statement(_db(), instances, ignore_conflicts=ignore_conflicts, returning=False))

    def update(self, instance, names):
        self.add(*_update_statement(_db(), instance, names))

    def run(self):
        parts, self._parts = self._parts, []
        if not parts:
            return
        db = _db()
        with db.cursor() as cursor:
            if db.vendor != "postgresql" or len(parts) == 1:
                for sql, params in parts:
                    cursor.execute(sql, params)
                return
            cursor.execute(*_combined(parts))


def _has_with(sql):
    return sql[:5].upper() == "WITH "


def _combined(parts):
    """(sql, params) of `parts` as one PostgreSQL statement (see WriteBatch)."""
    mains = [part for part in parts if _has_with(part[0])]
    assert len(mains) <= 1, "only one statement of a WriteBatch may have its own WITH clause"
    main = mains[0] if mains else parts[-1]
    others = [part for part in parts if part is not main]
    ctes = ", ".join(f"batched_write_{n} AS ({sql})" for n, (sql, _) in enumerate(others))
    sql = f"WITH {ctes}, {main[0][5:]}" if _has_with(main[0]) else f"WITH {ctes} {main[0]}"
    return sql, [value for _, params in others for value in params] + main[1]
