"""The referrals part of the demo chapter (see members.demo); idempotent."""

from members.models import Chapter


def seed(chapter: Chapter) -> None:
    """Add this app's demo rows to chapter; safe to call again."""
