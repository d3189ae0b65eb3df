"""What the report pages' hand-written statements are written from: the models' own names."""

from django.db import models


def names(model: type[models.Model]) -> dict[str, str]:
    """A model's table (``"table"``) and each concrete field's column, by field name."""
    return {"table": model._meta.db_table} | {f.name: f.column for f in model._meta.concrete_fields}
