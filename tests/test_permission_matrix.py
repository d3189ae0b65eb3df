"""Who may open what: every named URL × every persona × its methods.

The URL list comes from the resolver, so a new URL without an entry in ``MATRIX`` fails the
suite. Object URLs are also requested with the id of another chapter's object, which must
answer 404 for everyone but staff.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import built_once

PERSONAS = [
    "anonymous", "member", "outsider", "vice_president", "president",
    "membership_committee", "staff",
]  # fmt: skip
LOGIN = "login"  # a redirect to the login page
# Namespaces served by libraries we configure rather than write; tested where we rely on them.
LIBRARY_NAMESPACES = {"admin"}
LIBRARY_PREFIXES = ("account_", "socialaccount_", "mfa_", "headless", "usersessions_")


def everyone(code):
    return dict.fromkeys(PERSONAS, code)


def members_only(code=200, *, staff=200):
    return everyone(code) | {"anonymous": LOGIN, "staff": staff}


def leaders_only(code=200, *, staff=200):
    return members_only(403, staff=staff) | {"vice_president": code, "president": code}


PUBLIC = everyone(200)
SLIP_READERS = members_only(404) | {"member": 200, "vice_president": 200, "president": 200}

# name → {"get": {persona: code}, "post": {...}, "args": fn(world) -> args, "query": {...}}
MATRIX: dict[str, dict] = {
    "home": {"get": PUBLIC},
    "healthz": {"get": PUBLIC},
    "floor": {"get": members_only() | {"staff": 200}},
    "service_worker": {"get": PUBLIC, "post": everyone(405)},
    "reports:palms": {"get": leaders_only(staff=404)},
    "reports:palms_csv": {"get": leaders_only(staff=404)},
    "reports:lights": {"get": leaders_only(staff=404)},
    "reports:chapter": {"get": leaders_only(staff=404)},
    "reports:region": {"get": leaders_only()},
    "reports:my_light": {"get": members_only()},
    "members:directory": {"get": members_only(staff=404), "post": everyone(405)},
    "members:profile": {
        "args": lambda w: [w["member"].pk],
        "other": lambda w: [w["outsider"].pk],
        "get": members_only() | {"outsider": 404},
        "post": everyone(405),
    },
    "members:edit_profile": {"get": members_only(staff=302)},
    "members:sphere": {"get": members_only(staff=302), "post": everyone(405)},
    "members:invite": {"get": members_only(403, staff=404) | {"membership_committee": 200}},
    "members:approve": {
        "args": lambda w: [w["member"].pk],
        "other": lambda w: [w["outsider"].pk],
        "get": everyone(405),
        "post": members_only(403, staff=302)
        | {"outsider": 404, "vice_president": 302, "membership_committee": 302},
    },
    "members:accept_invitation": {"args": lambda w: ["not-a-token"], "get": everyone(404)},
    "referrals:dashboard": {"get": everyone(302)},  # the dashboard is the home page
    "referrals:log_slip": {"get": members_only(staff=404), "post": members_only(staff=404)},
    "referrals:member_search": {
        "get": members_only(staff=404),
        "post": members_only(405, staff=405),
    },
    "referrals:inbox": {"get": members_only(staff=404)},
    "referrals:given": {"get": members_only(staff=404)},
    "referrals:suggestions": {"get": members_only(staff=404)},
    "referrals:submit_week": {
        "get": leaders_only(staff=404),
        "post": leaders_only(302, staff=404),  # submits this week's meeting
    },
    # Slips between Bob and Alice (member): Alice, leadership and staff see them; no one else.
    "referrals:detail": {
        "args": lambda w: [w["referral"].pk],
        "other": lambda w: [w["other_referral"].pk],
        "get": SLIP_READERS,
    },
    # A thank-you's amount is income: staff open one only once the admin grants them its
    # permission (tests/trust/test_tyfcb_confidential.py); the staff persona here has none.
    "referrals:tyfcb_detail": {
        "args": lambda w: [w["tyfcb"].pk],
        "other": lambda w: [w["other_tyfcb"].pk],
        "get": SLIP_READERS | {"staff": 404},
    },
    "referrals:set_status": {
        "args": lambda w: [w["referral"].pk],
        "other": lambda w: [w["other_referral"].pk],
        "get": members_only(405, staff=405),
        "post": SLIP_READERS
        | {"member": 302, "vice_president": 302, "president": 302, "staff": 302},
    },
    "referrals:one_to_one_status": {
        "args": lambda w: [w["one_to_one"].pk],
        "other": lambda w: [w["other_one_to_one"].pk],
        "get": members_only(405, staff=405),
        "post": SLIP_READERS
        | {"member": 302, "vice_president": 302, "president": 302, "staff": 302},
    },
    "referrals:slip_edit": {
        "args": lambda w: ["referral", w["referral"].pk],
        "other": lambda w: ["referral", w["other_referral"].pk],
        "get": SLIP_READERS | {"member": 403},  # Alice received it: she may read, not edit
    },
    "referrals:slip_delete": {
        "args": lambda w: ["referral", w["referral"].pk],
        "other": lambda w: ["referral", w["other_referral"].pk],
        "get": SLIP_READERS | {"member": 403},
    },
    "meetings:list": {"get": members_only(staff=404), "post": members_only(405, staff=405)},
    "meetings:detail": {
        "args": lambda w: [w["meeting"].pk],
        "other": lambda w: [w["other_meeting"].pk],
        "get": members_only() | {"outsider": 404},
        "post": members_only(405, staff=405) | {"outsider": 405},
    },
    "meetings:cancel": {
        "args": lambda w: [w["meeting"].pk],
        "other": lambda w: [w["other_meeting"].pk],
        "get": leaders_only(405, staff=405),
        "post": leaders_only(400, staff=400),  # no reason given
    },
    "meetings:take_attendance": {
        "args": lambda w: [w["meeting"].pk],
        "other": lambda w: [w["other_meeting"].pk],
        "get": leaders_only(),
        "post": leaders_only(405, staff=405),
    },
    "meetings:mark_everyone": {
        "args": lambda w: [w["meeting"].pk],
        "other": lambda w: [w["other_meeting"].pk],
        "get": leaders_only(405, staff=405),
        "post": leaders_only(302, staff=302),
    },
    "meetings:mark": {
        "args": lambda w: [w["meeting"].pk, w["member"].pk],
        "other": lambda w: [w["other_meeting"].pk, w["outsider"].pk],
        "get": leaders_only(405, staff=405),
        "post": leaders_only(400, staff=400),  # no mark given
    },
    "meetings:visitors_at": {
        "args": lambda w: [w["meeting"].pk],
        "other": lambda w: [w["other_meeting"].pk],
        "get": leaders_only(),
        "post": leaders_only(405, staff=405),
    },
    "meetings:rota": {"get": leaders_only(staff=404), "post": leaders_only(404, staff=404)},
    "meetings:review": {"get": leaders_only(staff=404), "post": leaders_only(405, staff=405)},
    "meetings:review_csv": {"get": leaders_only(staff=404), "post": leaders_only(405, staff=405)},
    "meetings:my_attendance": {
        "get": members_only(staff=403),
        "post": members_only(405, staff=405),
    },
    "meetings:visitors": {"get": leaders_only(), "post": leaders_only(405, staff=405)},
    "meetings:visitor_add": {"get": members_only(staff=404), "post": members_only(staff=404)},
    "meetings:visitor_detail": {
        "args": lambda w: [w["visitor"].pk],
        "other": lambda w: [w["other_visitor"].pk],
        "get": leaders_only(),
    },
    "meetings:visit_attended": {
        "args": lambda w: [w["visit"].pk],
        "other": lambda w: [w["other_visit"].pk],
        "get": leaders_only(405, staff=405),
        "post": leaders_only(302, staff=302),
    },
    "meetings:public": {"args": lambda w: ["riverside"], "get": PUBLIC},
    # A guest's confirmation and its .ics: a signed token names the meeting; another
    # chapter's meeting under this chapter's address is not found.
    "meetings:public_registered": {
        "args": lambda w: ["riverside", _registration_token(w["meeting"])],
        "other": lambda w: ["riverside", _registration_token(w["other_meeting"])],
        "get": PUBLIC,
        "post": everyone(405),
    },
    "meetings:public_ics": {
        "args": lambda w: ["riverside", _registration_token(w["meeting"])],
        "other": lambda w: ["riverside", _registration_token(w["other_meeting"])],
        "get": PUBLIC,
        "post": everyone(405),
    },
    "reminders:preferences": {"get": members_only(), "post": members_only(302, staff=200)},
    "reminders:sent": {"get": leaders_only(staff=404)},
    "members:my_data": {
        "get": members_only(staff=404),
        "post": everyone(405),
    },
    # Alice is active, so the committee sees the refusal and a POST changes nothing.
    "members:anonymise": {
        "args": lambda w: [w["member"].pk],
        "other": lambda w: [w["outsider"].pk],
        "get": members_only(403) | {"membership_committee": 200},
        "post": members_only(403, staff=302) | {"membership_committee": 302},
    },
    "members:audit": {"get": leaders_only(staff=404), "post": everyone(405)},
    # The BNI Connect import: the leaders' (staff name a chapter); an upload is its uploader's.
    "bniconnect:upload": {"get": leaders_only(staff=404), "post": leaders_only(staff=404)},
    "bniconnect:palms": {"get": leaders_only(staff=404), "post": leaders_only(405, staff=405)},
    "bniconnect:preview": {
        "args": lambda w: [w["pending"].pk],
        "other": lambda w: [w["other_pending"].pk],
        "get": leaders_only(staff=404) | {"president": 404},
        "post": leaders_only(405, staff=405),
    },
    "bniconnect:confirm": {
        "args": lambda w: [w["pending"].pk],
        "other": lambda w: [w["other_pending"].pk],
        "get": leaders_only(405, staff=405),
        # The kept file has a problem: back to its preview, nothing stored.
        "post": leaders_only(staff=404) | {"vice_president": 302, "president": 404},
    },
    "bniconnect:alias": {
        "args": lambda w: [w["pending"].pk],
        "other": lambda w: [w["other_pending"].pk],
        "get": leaders_only(405, staff=405),
        "post": leaders_only(staff=404) | {"vice_president": 302, "president": 404},
    },
}


def _registration_token(meeting) -> str:
    from meetings.services import registration_token

    return registration_token(meeting)


def _walk(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}"


def project_url_names() -> set[str]:
    names = set()
    for name in _walk(get_resolver().url_patterns):
        if name.split(":")[0] in LIBRARY_NAMESPACES or name.startswith(LIBRARY_PREFIXES):
            continue
        names.add(name)
    return names


def test_every_named_url_has_an_entry_in_the_matrix():
    missing = project_url_names() - set(MATRIX)
    assert not missing, f"add these URLs to the permission matrix: {sorted(missing)}"
    stale = set(MATRIX) - project_url_names()
    assert not stale, f"these matrix entries name no URL: {sorted(stale)}"


def _build_world() -> dict:
    """Two chapters, every persona (as the fixtures of the same names), and one of each object
    in each chapter."""
    from tests.conftest import hilltop, persona, riverside, staff_user
    from tests.factories import (
        MeetingFactory,
        MemberFactory,
        OneToOneFactory,
        ReferralFactory,
        TyfcbFactory,
        VisitFactory,
        VisitorFactory,
    )

    chapter, other_chapter = riverside(), hilltop()
    people = {name: persona(name, chapter) for name in
              ("member", "vice_president", "president", "membership_committee")}  # fmt: skip
    member, outsider = people["member"], persona("outsider", other_chapter)
    bob = MemberFactory(chapter=chapter)
    dan = MemberFactory(chapter=other_chapter)
    meeting = MeetingFactory(chapter=chapter, date=chapter.today())
    other_meeting = MeetingFactory(chapter=other_chapter, date=other_chapter.today())
    visitor = VisitorFactory(chapter=chapter)
    other_visitor = VisitorFactory(chapter=other_chapter)
    return people | {
        "meeting": meeting,
        "other_meeting": other_meeting,
        "visitor": visitor,
        "other_visitor": other_visitor,
        "visit": VisitFactory(visitor=visitor, meeting=meeting, attended=False),
        "other_visit": VisitFactory(visitor=other_visitor, meeting=other_meeting, attended=False),
        "referral": ReferralFactory(giver=bob, receiver=member),
        "tyfcb": TyfcbFactory(writer=bob, thanked=member),
        "one_to_one": OneToOneFactory(member_a=bob, member_b=member, status="planned"),
        "other_referral": ReferralFactory(giver=outsider, receiver=dan),
        "other_tyfcb": TyfcbFactory(writer=dan, thanked=outsider),
        "other_one_to_one": OneToOneFactory(member_a=dan, member_b=outsider, status="planned"),
        "outsider": outsider,
        "staff": staff_user(),
        # Slips across the chapter line (DOMAIN.md "Beyond the chapter").
        "bob": bob,
        "dan": dan,
        "hilltop_president": _hilltop_president(other_chapter),
        "cross_referral": ReferralFactory(giver=member, receiver=outsider),
        "cross_tyfcb": TyfcbFactory(writer=outsider, thanked=member),
        "cross_one_to_one": OneToOneFactory(member_a=member, member_b=outsider, status="planned"),
        "pending": _pending_import(chapter, people["vice_president"]),
        "other_pending": _pending_import(other_chapter, outsider),
    }


def _pending_import(chapter, member):
    """An upload waiting for its confirm: a PALMS summary with no window (a problem)."""
    from bniconnect.models import PendingFile, PendingImport

    pending = PendingImport.objects.create(chapter=chapter, uploaded_by=member.user)
    header = "First Name,Last Name,P,A,L,M,S,RGI,RGO,RRI,RRO,V,1-2-1,TYFCB,CEU,T\n"
    PendingFile.objects.create(pending=pending, name="palms.csv", data=header.encode())
    return pending


def _hilltop_president(chapter):
    from tests.factories import MemberFactory, RoleFactory

    member = MemberFactory(chapter=chapter)
    RoleFactory(member=member, name="president")
    return member


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the ~650 cases: each case's requests run inside a savepoint."""
    with built_once(django_db_blocker, _build_world) as rows:
        yield rows


def _cases():
    for name, spec in sorted(MATRIX.items()):
        for method in ("get", "post"):
            for persona, expected in spec.get(method, {}).items():
                yield pytest.param(name, method, persona, expected, id=f"{name}-{method}-{persona}")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "persona", "expected"), list(_cases()))
def test_permission_matrix(name, method, persona, expected, world, client):
    spec = MATRIX[name]
    args = spec["args"](world) if "args" in spec else ()
    if persona != "anonymous":
        who = world[persona]
        client.force_login(getattr(who, "user", who))
    url = reverse(name, args=args)
    response = getattr(client, method)(url, spec.get("query", {}))
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert reverse("account_login") in response.headers["Location"]
    else:
        assert response.status_code == expected, (url, persona, response.status_code)


def _other_chapter_cases():
    for name, spec in sorted(MATRIX.items()):
        if "other" in spec:
            for method in ("get", "post"):
                if method in spec:
                    for persona in PERSONAS:
                        if persona not in {"anonymous", "staff", "outsider"}:
                            yield pytest.param(
                                name, method, persona, id=f"{name}-{method}-{persona}"
                            )


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "persona"), list(_other_chapter_cases()))
def test_objects_of_another_chapter_answer_404(name, method, persona, world, client):
    """Guessing the id of another chapter's object gets nothing, not even a 403."""
    spec = MATRIX[name]
    who = world[persona]
    client.force_login(getattr(who, "user", who))
    response = getattr(client, method)(reverse(name, args=spec["other"](world)))
    own = spec[method].get(persona)
    if own in (403, 405):
        # Refused for their role: refused here too (before or after the lookup), never data.
        assert response.status_code in (403, 404, 405), (name, persona, response.status_code)
    else:
        assert response.status_code == 404, (name, persona, response.status_code)


# --- Slips across the chapter line ---------------------------------------------------------
# Alice (Riverside) gave Charlie (Hilltop) a referral; Charlie thanked Alice for business; they
# planned a 1-2-1. Each is opened by the members it links, and by the leaders DOMAIN.md names:
# a referral or 1-2-1 by those of the chapter it was logged in (Riverside: their week), a
# TYFCB by those of the chapter whose PALMS counts it (the thanked member's: Riverside again,
# though Charlie logged it in Hilltop). Nobody else in either chapter, whatever the role.
ACROSS_PERSONAS = (
    "member",
    "outsider",
    "vice_president",
    "president",
    "membership_committee",
    "bob",
    "dan",
    "hilltop_president",
    "staff",
)
LINKED = {"member": 200, "outsider": 200, "staff": 200}
ACROSS = {
    ("referrals:detail", "cross_referral"): LINKED | {"vice_president": 200, "president": 200},
    ("referrals:tyfcb_detail", "cross_tyfcb"): LINKED
    | {"vice_president": 200, "president": 200, "staff": 404},
}


def _across_cases():
    for (name, slip), readers in ACROSS.items():
        for persona in ACROSS_PERSONAS:
            expected = readers.get(persona, 404)
            yield pytest.param(name, slip, persona, expected, id=f"{name}-{slip}-{persona}")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "slip", "persona", "expected"), list(_across_cases()))
def test_slips_across_the_chapter_line(name, slip, persona, expected, world, client):
    who = world[persona]
    client.force_login(getattr(who, "user", who))
    response = client.get(reverse(name, args=[world[slip].pk]))
    assert response.status_code == expected, (name, persona, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ACROSS_PERSONAS)
def test_only_the_receiver_in_the_other_chapter_closes_the_loop(persona, world, client):
    """Charlie, in Hilltop, updates Alice's referral; Riverside's leaders may correct it (it
    is their week's slip); anyone else is answered 404 and the status stays."""
    referral = world["cross_referral"]
    who = world[persona]
    client.force_login(getattr(who, "user", who))
    url = reverse("referrals:set_status", args=[referral.pk])
    response = client.post(url, {"to_status": "contacted"})
    referral.refresh_from_db()
    allowed = persona in {"outsider", "vice_president", "president", "staff"}
    if allowed:
        assert response.status_code == 302
        assert referral.status == "contacted"
    else:
        assert response.status_code in (403, 404), response.status_code
        assert referral.status == "new"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ACROSS_PERSONAS)
def test_a_1_2_1_across_the_line_is_either_members_to_mark(persona, world, client):
    one_to_one = world["cross_one_to_one"]
    who = world[persona]
    client.force_login(getattr(who, "user", who))
    url = reverse("referrals:one_to_one_status", args=[one_to_one.pk])
    response = client.post(url, {"status": "cancelled"})
    one_to_one.refresh_from_db()
    if persona in {"member", "outsider", "vice_president", "president", "staff"}:
        assert response.status_code == 302
        assert one_to_one.status == "cancelled"
    else:
        assert response.status_code in (403, 404), response.status_code
        assert one_to_one.status == "planned"
