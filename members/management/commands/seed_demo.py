"""Create (or refresh) the demo chapter so ``make run`` always shows a living chapter."""

from django.core.management.base import BaseCommand
from django.db import transaction

from meetings import demo as meetings_demo
from members.demo import DEMO_PASSWORD, seed_demo
from referrals import demo as referrals_demo


class Command(BaseCommand):
    help = "Create the demo chapter and its users. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        with transaction.atomic():
            chapter, logins = seed_demo()
            meetings_demo.seed(chapter)
            referrals_demo.seed(chapter)
        self.stdout.write(self.style.SUCCESS("Demo chapter ready. Log in with:"))
        for role, email in logins:
            self.stdout.write(f"  {role:<16} {email:<36} password: {DEMO_PASSWORD}")
