"""The search across chapters (DOMAIN.md "Beyond the chapter"): every other chapter's active
members by name, company, trade, chapter or city, each word required, one query, the
directory card only. On PostgreSQL the triggers of members migration 0005 keep each member's
``directory_text`` and a trigram index serves the search."""

import datetime as dt
import re
import time

import pytest
from django.db import connection

from members.models import Chapter, Classification, Member, User
from members.selectors import (
    SEARCH_WORD_CHARS,
    SEARCH_WORDS,
    members_elsewhere,
    search_words,
)
from tests.factories import ClassificationFactory, MemberFactory, UserFactory
from triggers.revision import touch

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

INDEX = "member_directory_search"


@pytest.fixture
def hilltop_plumber(other_chapter):
    other_chapter.city = "Leeds"
    other_chapter.save()
    return MemberFactory(
        chapter=other_chapter,
        user=UserFactory(email="bea@example.test", first_name="Béa", last_name="Baxter"),
        company="Baxter & Sons Ltd",
        classification=ClassificationFactory(name="Plumber"),
    )


def found(query, chapter):
    return list(members_elsewhere(query, exclude_chapter_id=chapter.pk))


def text_of(member) -> str:
    return Member.objects.values_list("directory_text", flat=True).get(pk=member.pk)


def test_it_finds_a_member_by_name_company_trade_chapter_or_city(chapter, hilltop_plumber):
    for query in ("baxter", "Sons", "plumb", "hilltop", "LEEDS", "bea"):
        assert found(query, chapter) == [hilltop_plumber], query


def test_accents_and_case_do_not_matter_either_way(chapter, hilltop_plumber):
    assert text_of(hilltop_plumber) == "bea baxter baxter & sons ltd plumber hilltop leeds"
    assert found("BÉA", chapter) == found("bea", chapter) == [hilltop_plumber]


def test_every_word_must_match_somewhere_on_the_card(chapter, hilltop_plumber):
    assert found("baxter leeds", chapter) == [hilltop_plumber]
    assert found("baxter york", chapter) == []


def test_it_leaves_out_the_searchers_chapter_and_members_not_active(
    chapter, other_chapter, member, hilltop_plumber
):
    trade = hilltop_plumber.classification
    MemberFactory(chapter=chapter, user__last_name="Baxter", classification=trade)
    for status in (Member.Status.APPLICANT, Member.Status.ON_LEAVE, Member.Status.DROPPED):
        MemberFactory(
            chapter=other_chapter,
            status=status,
            user__last_name="Baxter",
            classification=ClassificationFactory(),
            left_on=dt.date(2025, 1, 1) if status == Member.Status.DROPPED else None,
        )
    assert found("baxter", chapter) == [hilltop_plumber]
    # Without a chapter to leave out (staff), the active members of every chapter.
    everyone = list(members_elsewhere("baxter", exclude_chapter_id=None))
    assert len(everyone) == 2 and hilltop_plumber in everyone


def test_wildcards_are_plain_characters(chapter, hilltop_plumber):
    assert found("%", chapter) == found("__", chapter) == found("b%r", chapter) == []
    assert found("&", chapter) == []  # one character: too short to search
    assert found("s &", chapter) == []
    assert found("sons ltd", chapter) == [hilltop_plumber]


def test_a_long_or_odd_query_is_cut_to_four_words_of_forty_characters():
    # Single characters are left out; what cannot be printed (a NUL) is dropped.
    assert search_words("a " + "x" * 10_000 + " nul\x00l b c") == ["x" * SEARCH_WORD_CHARS, "null"]
    assert search_words("one two three four five") == ["one", "two", "three", "four"]
    assert len(search_words("ab " * 10_000)) == SEARCH_WORDS
    assert search_words("  a  b  \x00 ") == []


def test_a_ten_thousand_character_query_answers_at_once(chapter, hilltop_plumber):
    started = time.monotonic()
    assert found("baxter" * 2_000, chapter) == []
    assert found(("\x00%_\\ " * 2_500)[:10_000], chapter) == []
    assert time.monotonic() - started < 1


def test_one_query_loads_only_the_directory_card(
    chapter, hilltop_plumber, django_assert_num_queries
):
    with django_assert_num_queries(1):
        [card] = found("baxter", chapter)
        shown = (
            card.user.first_name,
            card.user.last_name,
            card.company,
            card.classification.name,
            card.chapter.name,
            card.chapter.city,
            card.phone,
            card.website,
        )
    assert shown[0] == "Béa" and shown[5] == "Leeds"
    assert {"ideal_referral", "joined_on", "renewal_due", "sponsor_id", "status"} <= (
        card.get_deferred_fields()
    )
    assert {"email", "password", "last_login"} <= card.user.get_deferred_fields()


# --- The triggers ---------------------------------------------------------------------------


def test_the_text_follows_a_renamed_user_trade_chapter_and_city(chapter, hilltop_plumber):
    user, trade, home = (
        hilltop_plumber.user,
        hilltop_plumber.classification,
        hilltop_plumber.chapter,
    )
    user.first_name, user.last_name = "Beatrix", "Okafor"
    user.save()
    assert text_of(hilltop_plumber).startswith("beatrix okafor ")
    trade.name = "Heating engineer"
    trade.save()
    assert "heating engineer" in text_of(hilltop_plumber)
    home.name = "Hilltop Givers"
    home.save()
    assert text_of(hilltop_plumber).endswith(" hilltop givers leeds")
    Chapter.objects.filter(pk=home.pk).update(city="York")
    assert text_of(hilltop_plumber).endswith(" hilltop givers york")
    Member.objects.filter(pk=hilltop_plumber.pk).update(company="Okafor Heating")
    assert (
        text_of(hilltop_plumber)
        == "beatrix okafor okafor heating heating engineer hilltop givers york"
    )
    assert found("okafor york heating", chapter) == [hilltop_plumber]
    assert found("baxter", chapter) == found("leeds", chapter) == []


def test_a_new_member_has_their_text_at_once(other_chapter):
    newcomer = MemberFactory(
        chapter=other_chapter, user=UserFactory(first_name="Ned", last_name="New"), company="N&N"
    )
    assert text_of(newcomer).startswith("ned new n&n ")


def test_a_chapters_revision_moving_leaves_its_members_rows_alone(chapter, hilltop_plumber):
    """A chapter row is rewritten on every slip (its revision): its members are not."""

    def row_version():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT xmin::text FROM members_member WHERE id = %s", [hilltop_plumber.pk]
            )
            return cursor.fetchone()[0]

    before = row_version()
    touch(hilltop_plumber.chapter_id)
    User.objects.filter(pk=hilltop_plumber.user_id).update(last_login="2026-01-01T00:00Z")
    Classification.objects.filter(pk=hilltop_plumber.classification_id).update(sphere=None)
    assert row_version() == before


# --- The index, on a region-sized table ------------------------------------------------------


def _region(chapters: int, per_chapter: int) -> None:
    """``chapters`` × ``per_chapter`` active members, written in a few bulk statements."""
    trades = Classification.objects.bulk_create(
        Classification(name=f"Region trade {t}") for t in range(per_chapter)
    )
    homes = Chapter.objects.bulk_create(
        Chapter(name=f"Region chapter {c}", slug=f"region-{c}", city=f"Town {c % 40}")
        for c in range(chapters)
    )
    users = User.objects.bulk_create(
        User(email=f"region{n}@example.test", first_name=f"First{n}", last_name=f"Last{n}")
        for n in range(chapters * per_chapter)
    )
    Member.objects.bulk_create(
        Member(
            user=users[c * per_chapter + t],
            chapter=homes[c],
            classification=trades[t],
            company=f"Company {c}-{t}",
            joined_on=dt.date(2024, 1, 2),
            status=Member.Status.ACTIVE,
        )
        for c in range(chapters)
        for t in range(per_chapter)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member")


def _generic_plan(queryset) -> str:
    """The plan PostgreSQL keeps for ``queryset`` as the app runs it: a prepared statement
    planned once for any parameters (chapter/settings.py: server-side binding,
    ``plan_cache_mode=force_generic_plan``), shown with ``EXPLAIN EXECUTE``."""
    sql, params = queryset.query.sql_with_params()
    numbers = iter(range(1, len(params) + 1))
    prepared = re.sub(r"%%|%s", lambda m: "%" if m[0] == "%%" else f"${next(numbers)}", sql)
    values = ", ".join(
        str(p) if isinstance(p, int) else "'" + str(p).replace("'", "''") + "'" for p in params
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE directory_search AS {prepared}")
        cursor.execute(f"EXPLAIN EXECUTE directory_search({values})")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE directory_search")
    return plan


def test_the_search_uses_the_trigram_index_on_a_region(chapter, hilltop_plumber):
    _region(chapters=100, per_chapter=30)
    assert Member.objects.exclude(directory_text="").count() == 3_001
    for query in ("baxter", "last1234", "plumber leeds"):
        search = members_elsewhere(query, exclude_chapter_id=chapter.pk)
        for plan in (search.explain(), _generic_plan(search)):
            assert INDEX in plan, plan
    assert [m.user.last_name for m in members_elsewhere("last1234", exclude_chapter_id=None)] == [
        "Last1234"
    ]
