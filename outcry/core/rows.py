"""Insert one row with one prepared statement: for the few writes a surge repeats.

``Model.objects.create()`` compiles its INSERT anew on every call; in a surge of
signatures that compiling (and the SELECT before it) cost more CPU than
PostgreSQL spent on the whole transaction. ``insert()`` builds the statement for
a model once per process from its ``_meta`` and afterwards only converts the
values, which takes a fifth of the time (bench/README.md has the figures).

It is ``save(force_insert=True)`` without what the hot paths here do not use
(multi-table inheritance, ``update_fields``): field defaults, ``pre_save()``
(``auto_now_add``) and the pre_save/post_save signals apply as usual. With *unless_exists* it is an
``INSERT … ON CONFLICT (…) DO NOTHING``: when a row with the same values in
those unique columns exists, or is being inserted by a transaction that then
commits, nothing is written and no IntegrityError breaks the caller's
transaction. PostgreSQL and SQLite (3.35 or newer) both understand it.
"""

from functools import cache

from django.db import connections, models, router
from django.db.models.signals import post_save, pre_save


@cache
def _statement(model: type[models.Model], alias: str, unless_exists: tuple[str, ...]):
    """The INSERT for *model* on database *alias* and the fields it takes, in order."""
    quote = connections[alias].ops.quote_name
    meta = model._meta
    pk = meta.pk
    generated = isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField)
    fields = [f for f in meta.concrete_fields if not (generated and f is pk)]
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Names come from the model, quoted; every value goes as a parameter.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    if unless_exists:
        target = ", ".join(quote(meta.get_field(name).column) for name in unless_exists)
        sql += f" ON CONFLICT ({target}) DO NOTHING"
    sql += f" RETURNING {quote(pk.column)}"
    return sql, fields


def insert(instance: models.Model, *, unless_exists: tuple[str, ...] = ()) -> bool:
    """Write *instance* as a new row, set its primary key, and return True.

    With *unless_exists* (names of fields that form a unique constraint), return
    False and write nothing when such a row is already there; *instance* then
    stays unsaved.
    """
    model = type(instance)
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    sql, fields = _statement(model, alias, tuple(unless_exists))
    pre_save.send(sender=model, instance=instance, raw=False, using=alias, update_fields=None)
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    if instance.pk is None:
        instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = alias
    post_save.send(
        sender=model, instance=instance, created=True, raw=False, using=alias, update_fields=None
    )
    return True
