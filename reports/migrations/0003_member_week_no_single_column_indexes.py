# The rollup's member and chapter columns lose their single-column indexes: the primary key
# leads with the member and the (chapter, weeks, week) index with the chapter, and every
# slip's upsert (and an import's count) wrote all four indexes. Dropping them is quick.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_chapter_revision"),
        ("reports", "0002_member_week_kept_by_triggers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="memberweek",
            name="chapter",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="members.chapter",
            ),
        ),
        migrations.AlterField(
            model_name="memberweek",
            name="member",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="members.member",
            ),
        ),
    ]
