"""Staff read single thank-you slips only with ``referrals.view_tyfcb_amounts``.

Django creates the permission row itself after ``migrate`` (``post_migrate``); this records it
in the model's options, so the state the migrations build matches the model.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0008_slips_beyond_the_chapter"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="tyfcb",
            options={
                "ordering": ["-date", "-id"],
                "permissions": [
                    ("view_tyfcb_amounts", "Can read individual TYFCB slips and their amounts")
                ],
                "verbose_name": "TYFCB",
                "verbose_name_plural": "TYFCBs",
            },
        ),
    ]
