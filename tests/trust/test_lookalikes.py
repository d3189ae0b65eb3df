"""Two strings that look the same are the same: ``Baker`` with a zero-width space, or a
full-width ``Ｂaker``, is the ``Baker`` already held, whichever way it arrives (a form, the
admin, the roster import, BNI Connect's roster), and a name of nothing but invisible
characters is refused."""

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from meetings.models import Visitor
from members.importers import RosterFile
from members.importing import RowError
from members.models import Classification, Member
from members.text import clean_text
from tests.factories import ClassificationFactory, MemberFactory

pytestmark = pytest.mark.django_db

# --- The one normal form ------------------------------------------------------------------------

LOOKALIKES = [
    "Baker\u200b",  # a zero-width space
    "\u200bBaker",
    "Ba\u200dker",  # a zero-width joiner
    "\ufeffBaker",  # a byte-order mark
    "Ｂaker",  # a full-width B
    "Ｂａｋｅｒ",
    "Baker\u00a0",  # a no-break space
    "  Baker  ",
    "\u202eBaker",  # a right-to-left override
    "Baker\u2066",  # a left-to-right isolate
    "Ba\u00adker",  # a soft hyphen
]


@pytest.mark.parametrize("text", LOOKALIKES)
def test_a_lookalike_of_a_word_is_that_word(text):
    assert clean_text(text) == "Baker"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ann\r\nLee", "Ann Lee"),
        ("Ann \t  Lee", "Ann Lee"),
        ("Ann\x00Lee", "Ann Lee"),
        ("Ann\u2028Lee", "Ann Lee"),  # a Unicode line separator
        ("Ann\u3000Lee", "Ann Lee"),  # an ideographic space
        ("ﬁne ﬂowers", "fine flowers"),  # ligatures
        ("Zoe\u0308", "Zoë"),  # composed
        ("Cafe\u200b\u0301", "Café"),  # composed, past a zero-width space
        ("José Ñúñez", "José Ñúñez"),
        ("李小龍", "李小龍"),
        ("محمد", "محمد"),
        ("O'Brien-Smith", "O'Brien-Smith"),
        ("baker", "baker"),  # case is kept: the trade's constraint ignores it
    ],
)
def test_text_keeps_what_people_write_and_loses_what_they_cannot_see(text, expected):
    assert clean_text(text) == expected


@pytest.mark.parametrize("text", ["\u200b", "\u200b\u200c\u200d", "\u202e", "\u3164", "\u2800 "])
def test_invisible_text_is_empty(text):
    assert clean_text(text) == ""


@given(st.text())
def test_clean_text_is_one_normal_form(text):
    once = clean_text(text)
    assert clean_text(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert not any(ch in once for ch in "\r\n\t\x00\u200b\u202e")


# --- Trades: one member per trade holds for look-alikes ---------------------------------------


@pytest.mark.parametrize("text", ["Ｂaker", "baker\u200b", "BAKER"])
def test_a_lookalike_trade_is_refused_in_the_admin_as_the_same_trade(login, staff, text):
    ClassificationFactory(name="Baker")
    response = login(staff).post(reverse("admin:members_classification_add"), {"name": text})
    assert response.status_code == 200
    assert "classification_name_ci_unique” is violated" in response.text
    assert Classification.objects.count() == 1


def test_a_trade_saved_anywhere_is_stored_normalised():
    trade = Classification.objects.create(name="\u200bＦlorist\u202e ")
    trade.refresh_from_db()
    assert trade.name == "Florist"
    with pytest.raises(IntegrityError):
        Classification.objects.create(name="florist\u200b")


def test_a_trade_of_invisible_characters_is_refused_in_the_admin(login, staff):
    response = login(staff).post(reverse("admin:members_classification_add"), {"name": "\u200b"})
    assert response.status_code == 200
    assert "only invisible characters" in response.text
    assert not Classification.objects.exists()


HEADER = (
    "email,first_name,last_name,company,classification,phone,joined_on,left_on,"
    "renewal_due,status,roles\n"
)


def _roster(tmp_path, *rows: str):
    (tmp_path / "roster.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("trade", ["Baker\u200b", "Ｂaker", "baker"])
def test_the_roster_import_refuses_a_second_holder_of_a_lookalike_trade(
    tmp_path, capsys, chapter, trade
):
    holder = MemberFactory(chapter=chapter, classification=ClassificationFactory(name="Baker"))
    directory = _roster(tmp_path, f"bea@example.test,Bea,Bun,,{trade},,2025-01-07,,,active,")
    with pytest.raises(CommandError):
        call_command("import_chapter", chapter.slug, str(directory))
    assert f"already held by {holder.full_name}" in capsys.readouterr().err
    assert Member.objects.filter(chapter=chapter).count() == 1
    assert Classification.objects.count() == 1


def test_the_roster_import_stores_names_and_trades_normalised(tmp_path, chapter):
    directory = _roster(
        tmp_path,
        'ann@example.test,\u202eAnn\u200b,Ｌee,"Lee\r Print",Ｐrinter\u200b,,2025-01-07,,,active,',
    )
    call_command("import_chapter", chapter.slug, str(directory))
    ann = Member.objects.select_related("user", "classification").get()
    assert (ann.user.first_name, ann.user.last_name, ann.company, ann.classification.name) == (
        "Ann", "Lee", "Lee Print", "Printer",
    )  # fmt: skip


def test_a_roster_name_of_invisible_characters_is_a_problem_on_its_line():
    with pytest.raises(RowError, match="first_name holds only invisible characters"):
        RosterFile.names({"first_name": "\u200b\u200b", "last_name": "Lee"})


# --- Names people type --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u200d\u200c", "\u202e", "\u3164\u3164"])
def test_a_name_of_invisible_characters_is_refused_on_the_profile(login, member, name):
    data = {"first_name": name, "last_name": "A", "company": "", "phone": "", "website": "",
            "ideal_referral": ""}  # fmt: skip
    response = login(member).post(reverse("members:edit_profile"), data)
    assert response.context["form"].errors["first_name"] == [
        "This holds only invisible characters: type it in letters."
    ]
    member.user.refresh_from_db()
    assert member.user.first_name == "Alice"


def test_a_name_with_a_right_to_left_override_is_stored_without_it(login, member):
    data = {"first_name": "\u202eecilA", "last_name": "Ｌee\u200b", "company": "Ｌee Ltd",
            "phone": "", "website": "", "ideal_referral": ""}  # fmt: skip
    assert login(member).post(reverse("members:edit_profile"), data).status_code == 302
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert (member.user.first_name, member.user.last_name, member.company) == (
        "ecilA", "Lee", "Lee Ltd",
    )  # fmt: skip


def test_an_invitation_of_invisible_names_is_refused(login, membership_committee):
    trade = ClassificationFactory(name="Roofer")
    response = login(membership_committee).post(
        reverse("members:invite"),
        {"email": "new@example.test", "first_name": "\u200b", "last_name": "\u2066",
         "classification": trade.pk},
    )  # fmt: skip
    errors = response.context["form"].errors
    assert "only invisible characters" in errors["first_name"][0]
    assert "only invisible characters" in errors["last_name"][0]


def test_a_visitor_saved_anywhere_has_a_name_on_one_line(chapter):
    visitor = Visitor.objects.create(chapter=chapter, name="Grace\r\nBcc: x@example.test")
    visitor.refresh_from_db()
    assert visitor.name == "Grace Bcc: x@example.test"
