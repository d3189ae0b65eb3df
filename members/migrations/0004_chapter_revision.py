# The chapter's revision (pages.kept): a column the database moves forward on every
# write a report reads, so the president's pages can be kept in the cache under it.

from django.db import migrations, models

from triggers import revision


def stamp_existing(apps, schema_editor):
    """Every chapter starts at now, not 0: no two databases sharing a cache reuse a number."""
    schema_editor.execute("UPDATE members_chapter SET revision = revision")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_audit_event"),
    ]

    operations = [
        migrations.AddField(
            model_name="chapter",
            name="revision",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        revision.forward_chapter_rows(),
        migrations.RunPython(stamp_existing, migrations.RunPython.noop),
        revision.track(
            ("members_member", "chapter"),
            ("members_role", "member"),
            ("members_memberstatuschange", "member"),
            ("members_user", "user"),
            ("members_classification", "classification"),
            ("members_contactsphere", "sphere"),
        ),
    ]
