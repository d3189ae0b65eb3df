"""Each chapter says how its members write amounts: ``1,250.50`` (every chapter until now)
or ``1.250,50``. The TYFCB form reads amounts in that convention (``members.amounts``)."""

from django.db import migrations, models

DECIMAL_MARK = models.CharField(
    choices=[
        (".", "1,250.50 (a point before the cents)"),
        (",", "1.250,50 (a comma before the cents)"),
    ],
    db_default=".",
    default=".",
    help_text="How members write amounts on their slips.",
    max_length=1,
)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0005_directory_search"),
    ]

    operations = [
        # Added in place on both engines, as 0005 adds the city: SQLite's schema editor would
        # rebuild the chapter table, and the revision triggers name it.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(model_name="chapter", name="decimal_mark", field=DECIMAL_MARK),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="ALTER TABLE members_chapter ADD COLUMN decimal_mark varchar(1) "
                    "DEFAULT '.' NOT NULL",
                    reverse_sql="ALTER TABLE members_chapter DROP COLUMN decimal_mark",
                ),
            ],
        ),
    ]
