"""Raw SQL names tables from model metadata, never by typing them: ``f"UPDATE {table(UsageDaily)} ..."``."""

from django.db import connection


def table(model) -> str:
    """The quoted database table of ``model`` (``Model._meta.db_table``), to put into a raw SQL statement."""
    return connection.ops.quote_name(model._meta.db_table)
