"""Migration operations for SQL written for one database engine."""

from django.db import migrations


class VendorSQL(migrations.RunSQL):
    """``RunSQL`` that runs only on one engine (``"postgresql"`` or ``"sqlite"``).

    Trigger bodies differ by engine (PL/pgSQL against SQLite's row triggers); a migration
    lists one of these per engine, each with its reverse, and the other engine skips it.
    ``sqlmigrate`` on a database shows the SQL that database would run.
    """

    def __init__(self, vendor: str, sql, reverse_sql=None, **kwargs):
        self.vendor = vendor
        super().__init__(sql, reverse_sql, **kwargs)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, args, {"vendor": self.vendor, **kwargs}

    def describe(self) -> str:
        return f"Raw SQL for {self.vendor}"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)
