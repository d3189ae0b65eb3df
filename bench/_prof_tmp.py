import os, cProfile, pstats, time, sys
os.environ.update({"DJANGO_SETTINGS_MODULE":"chapter.settings","DEBUG":"0","SECRET_KEY":"x"*10+"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ","ALLOWED_HOSTS":"testserver","SECURE_SSL_REDIRECT":"0","DATABASE_URL":"postgres://postgres@127.0.0.1:5432/slipstream_bench","VAR_DIR":"/work/main/var/bench"})
import django; django.setup()
from django.test import Client
from members.models import Member
path = sys.argv[1]; who = sys.argv[2]
m = Member.objects.filter(chapter_id=500, roles__name="vice_president").first() if who=="leader" else Member.objects.filter(chapter_id=500, roles__isnull=True).first()
c = Client(); c.force_login(m.user)
for _ in range(3): r = c.get(path)
print(r.status_code, len(r.content))
t=time.perf_counter(); N=20
for _ in range(N): c.get(path)
print("ms/req", (time.perf_counter()-t)/N*1000)
pr = cProfile.Profile(); pr.enable()
for _ in range(10): c.get(path)
pr.disable()
st = pstats.Stats(pr); st.sort_stats("tottime").print_stats(25)
