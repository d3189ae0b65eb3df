from django.apps import AppConfig


class DemoConfig(AppConfig):
    """``seed_demo``: the demo chapters ``make run`` shows. It sits above every app, so it may
    use each one's demo builders (``members.demo``, ``meetings.demo``, ``referrals.demo``,
    ``bniconnect.demo``) without any of them importing upwards."""

    name = "demo"
