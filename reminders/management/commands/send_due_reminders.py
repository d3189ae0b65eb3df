"""``manage.py send_due_reminders [--dry-run]``: run the sweeps now (or list what they'd send)."""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from reminders import services


class Command(BaseCommand):
    help = "Record and enqueue every reminder due now; with --dry-run only list them."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List, send nothing.")

    def handle(self, *args, dry_run, **options):
        if dry_run:
            due = services.not_yet_recorded(services.due_now())
            for d in sorted(due, key=lambda d: (d.chapter_id, d.kind, d.recipient_id)):
                self.stdout.write(
                    f"{d.kind:<17} chapter={d.chapter_id} object={d.object_id} "
                    f"recipient={d.recipient_id} occurrence={d.occurrence}"
                )
            self.stdout.write(f"{len(due)} reminder(s) would be sent.")
            return
        sweep = services.run_sweeps()
        enqueued = ngettext(
            "%(count)d reminder enqueued.", "%(count)d reminders enqueued.", sweep.enqueued
        )
        self.stdout.write(enqueued % {"count": sweep.enqueued})
        if sweep.left:
            # The broker did not answer (the log says why): they stay pending, and the next
            # sweep enqueues them.
            self.stderr.write(
                ngettext(
                    "%(count)d reminder left pending for the next sweep: the broker did not "
                    "take it.",
                    "%(count)d reminders left pending for the next sweep: the broker did not "
                    "take them.",
                    sweep.left,
                )
                % {"count": sweep.left}
            )
