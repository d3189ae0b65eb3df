"""Create (or refresh) the demo chapters so ``make run`` always shows a living chapter, and
a neighbouring one it passes slips to."""

from django.core.management.base import BaseCommand
from django.db import transaction

from bniconnect import demo as bni_demo
from meetings import demo as meetings_demo
from members.demo import DEMO_PASSWORD, seed_demo, seed_neighbour
from referrals import demo as referrals_demo


class Command(BaseCommand):
    help = "Create the demo chapters and their users. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        with transaction.atomic():
            chapter, logins = seed_demo()
            meetings_demo.seed(chapter)
            referrals_demo.seed(chapter)
            neighbour, neighbour_logins = seed_neighbour()
            meetings_demo.seed(neighbour)
            referrals_demo.seed(neighbour)
            # After each chapter's own slips: those skip a chapter that already has referrals.
            referrals_demo.seed_across(chapter, neighbour)
            bni_demo.seed(chapter)
            logins += neighbour_logins
        self.stdout.write(self.style.SUCCESS("Demo chapters ready. Log in with:"))
        for role, email in logins:
            self.stdout.write(f"  {role:<16} {email:<36} password: {DEMO_PASSWORD}")
