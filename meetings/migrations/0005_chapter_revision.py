# Writes to meetings, marks, visitors and visits move their chapter's revision (pages.kept).

from django.db import migrations

from triggers import revision


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0004_no_index_a_composite_covers"),
        ("members", "0004_chapter_revision"),
    ]

    operations = [
        revision.track(
            ("meetings_meeting", "chapter"),
            ("meetings_attendance", "meeting"),
            ("meetings_visitor", "chapter"),
            ("meetings_visit", "meeting"),
        ),
    ]
