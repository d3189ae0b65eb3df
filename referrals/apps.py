from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    """Slips members pass: referrals, thank-yous for closed business, 1-2-1s, CEUs, testimonials."""

    name = "referrals"
