# The database keeps the weekly rollup (reports.rollup): triggers on marks, visits, meetings
# and every kind of slip, then what is already there counted once. PostgreSQL only.

from django.db import migrations

from reports import rollup


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_member_week"),
        ("meetings", "0005_chapter_revision"),
        ("referrals", "0007_chapter_revision"),
    ]

    operations = [rollup.keep()]
