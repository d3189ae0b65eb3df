import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapter.settings")

application = get_wsgi_application()

# gunicorn runs no system checks: the settings a page never trips over (SITE_URL) stop it here.
from chapter.checks import refuse_to_start  # noqa: E402

refuse_to_start()
