"""Indexes for the order list's search by the beginning of a buyer's name or company.

Django asks UPPER(last_name) LIKE 'NOR%'; PostgreSQL uses an index for that only with the
pattern operator class (unless the database's collation is C). SQLite gets plain expression
indexes (small installations).
"""

from django.db import migrations

FIELDS = ("first_name", "last_name", "company")


def create(apps, schema_editor):
    pattern = " text_pattern_ops" if schema_editor.connection.vendor == "postgresql" else ""
    for field in FIELDS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS customer_{field}_prefix_idx ON customers_customer (UPPER("{field}"){pattern})'
        )


def drop(apps, schema_editor):
    for field in FIELDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS customer_{field}_prefix_idx")


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_drop_requirement_ids_from_help")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
