"""A worker compiles every template at start (``pages.warm``): each one compiles."""

from pathlib import Path

from django.urls import reverse

from pages.warm import compile_templates, warm

ROOT = Path(__file__).resolve().parent.parent


def test_every_template_compiles_before_a_worker_takes_requests():
    ours = [p for p in (ROOT / "templates").rglob("*") if p.suffix in {".html", ".txt"}]
    assert compile_templates() > len(ours) > 80


def test_the_gunicorn_worker_hook_compiles_them():
    from chapter import gunicorn

    gunicorn.post_worker_init(worker=None)


def test_warming_a_worker_compiles_the_templates_and_names_the_urls():
    assert warm() == compile_templates()
    assert reverse("referrals:inbox") == "/slips/inbox/"
