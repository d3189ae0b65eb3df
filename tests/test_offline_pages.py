"""What the phone needs from the server to work with no signal: the service worker from the
site's root, a manifest with its icons, the outbox on every signed-in page, and a logout that
tells the browser to clear what it kept. (The browser's side: tests/browser/test_offline.py.)"""

import json
import re
import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from pages.views import CLEAR_SITE_DATA

STATIC = Path(settings.BASE_DIR) / "static"


def js_patterns(path: Path, name: str) -> list[re.Pattern]:
    """The regular expressions a static script lists under ``name`` (JavaScript's syntax for
    these is Python's too)."""
    source = path.read_text()
    block = re.search(rf"{name} = \[(.*?)\];", source, re.S).group(1)
    return [re.compile(p.replace("\\/", "/")) for p in re.findall(r"/(\^.*?\$)/", block)]


def test_the_service_worker_is_served_from_the_root_and_revalidated(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    assert b"OFFLINE_PAGES" in response.content
    assert response.content == (STATIC / "sw.js").read_bytes()
    unchanged = client.get("/sw.js", headers={"if-none-match": response["ETag"]})
    assert unchanged.status_code == 304
    assert client.post("/sw.js").status_code == 405


def test_the_pages_kept_offline_are_log_a_slip_and_take_attendance():
    pages = js_patterns(STATIC / "sw.js", "OFFLINE_PAGES")
    forms = js_patterns(STATIC / "js" / "offline.js", "QUEUED")
    assert len(pages) == 2 and len(forms) == 2
    log_slip = reverse("referrals:log_slip")
    attendance = reverse("meetings:take_attendance", args=[12])
    mark = reverse("meetings:mark", args=[12, 34])
    assert [bool(p.match(log_slip)) for p in pages] == [True, False]
    assert [bool(p.match(attendance)) for p in pages] == [False, True]
    assert [bool(f.match(log_slip)) for f in forms] == [True, False]
    assert [bool(f.match(mark)) for f in forms] == [False, True]
    for elsewhere in (reverse("home"), reverse("referrals:inbox"), reverse("meetings:list")):
        assert not any(p.match(elsewhere) for p in pages + forms)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_installs_slipstream_with_icons_that_exist():
    manifest = json.loads((STATIC / "manifest.webmanifest").read_text())
    assert manifest["start_url"] == manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    sizes = {}
    for icon in manifest["icons"]:
        path = STATIC / icon["src"]
        assert path.exists(), icon["src"]
        if icon["type"] == "image/png":
            width, height = png_size(path)
            sizes[icon["sizes"]] = f"{width}x{height}"
    assert sizes == {"192x192": "192x192", "512x512": "512x512"}


@pytest.mark.django_db
def test_a_signed_in_page_has_the_outbox_the_manifest_and_a_deferred_script(login, member):
    page = login(member).get(reverse("home")).content.decode()
    assert '<link rel="manifest"' in page
    assert '<meta name="theme-color"' in page
    assert re.search(r'<script src="[^"]*offline[^"]*\.js" defer></script>', page)
    outbox = re.search(r'<div id="outbox"[^>]*>', page).group(0)
    assert f'data-owner="{member.user.pk}"' in outbox
    assert 'data-worker="/sw.js"' in outbox
    assert f'data-logout="{reverse("account_logout")}"' in outbox
    words = json.loads(re.search(r'id="outbox-text"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert words["waiting"] == "Waiting to send (%(count)s)"
    # Every script is deferred: nothing but the stylesheet holds the first render back.
    assert all("defer" in tag for tag in re.findall(r"<script src=[^>]*>", page))


@pytest.mark.django_db
def test_an_anonymous_page_has_no_outbox(client):
    page = client.get(reverse("account_login")).content.decode()
    assert 'id="outbox"' not in page


@pytest.mark.django_db
def test_logging_out_tells_the_browser_to_clear_what_it_kept(login, member):
    client = login(member)
    assert "Clear-Site-Data" not in client.get(reverse("account_logout")).headers
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == CLEAR_SITE_DATA == '"cache", "storage"'
    assert client.get(reverse("referrals:log_slip")).status_code == 302  # logged out
