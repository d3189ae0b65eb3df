"""The audit trail records a staff permission over confidential data granted or revoked.

Such a change reaches every chapter, so its row names none: ``chapter`` may be empty.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_chapter_decimal_mark"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("role_added", "Role given"),
                    ("role_ended", "Role ended"),
                    ("role_changed", "Role term changed"),
                    ("role_removed", "Role removed"),
                    ("anonymised", "Member anonymised"),
                    ("granted", "Permission granted"),
                    ("revoked", "Permission revoked"),
                ],
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="chapter",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty for a change that reaches every chapter (a staff permission).",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="audit_events",
                to="members.chapter",
            ),
        ),
    ]
