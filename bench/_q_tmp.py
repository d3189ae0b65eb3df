import os
os.environ.update({"DJANGO_SETTINGS_MODULE":"chapter.settings","DEBUG":"0","SECRET_KEY":"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP","ALLOWED_HOSTS":"testserver","SECURE_SSL_REDIRECT":"0","DATABASE_URL":"postgres://postgres@127.0.0.1:5432/slipstream_bench","VAR_DIR":"/work/main/var/bench"})
import django; django.setup()
import sys
from django.test import Client
from django.db import connection
from django.test.utils import CaptureQueriesContext
from members.models import Member
m = Member.objects.filter(chapter_id=500, roles__isnull=True).first()
if sys.argv[2] == "leader": m = Member.objects.filter(chapter_id=500, roles__name="vice_president").first()
c = Client(); c.force_login(m.user); c.get(sys.argv[1])
with CaptureQueriesContext(connection) as ctx:
    r = c.get(sys.argv[1])
print(r.status_code)
for q in ctx.captured_queries: print(q["time"], q["sql"][:110])
