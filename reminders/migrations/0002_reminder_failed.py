"""A reminder that can never be sent ends ``failed``, with its reason in ``last_error``,
instead of waiting for the next sweep for ever."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_ledger_and_preferences"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reminderlog",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("skipped", "Nothing to send"),
                    ("failed", "Failed"),
                ],
                default="pending",
                max_length=8,
            ),
        ),
    ]
