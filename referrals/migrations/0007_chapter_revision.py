# Writes to every kind of slip move their chapter's revision (pages.kept).

from django.db import migrations

from triggers import revision


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0006_token_database_default"),
        ("members", "0004_chapter_revision"),
    ]

    operations = [
        revision.track(
            ("referrals_referral", "chapter"),
            ("referrals_tyfcb", "chapter"),
            ("referrals_onetoone", "chapter"),
            ("referrals_ceu", "chapter"),
            ("referrals_testimonial", "chapter"),
        ),
    ]
