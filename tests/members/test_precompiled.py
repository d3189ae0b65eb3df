"""A precompiled queryset returns exactly what the queryset itself returns, for each call's
own values; an argument that is not a plain parameter falls back to the ORM every time."""

import datetime as dt

import pytest
from django.db.models import Count, Q

from members.models import Member
from members.precompiled import Precompiled
from referrals.models import Referral
from tests.factories import MemberFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {k: v for k, v in obj.__dict__.items() if k != "_state"}


def _same(left: list, right: list) -> None:
    assert [type(o) for o in left] == [type(o) for o in right]
    assert [_fields(o) for o in left] == [_fields(o) for o in right]


def test_rows_related_objects_and_annotations_match_the_orm(chapter, member, other_member):
    day = chapter.today()
    for i in range(5):
        ReferralFactory(giver=member, receiver=other_member, date=day - dt.timedelta(days=i))
        ReferralFactory(giver=other_member, receiver=member, date=day - dt.timedelta(days=9 + i))

    def build(member_id, start, end):
        return (
            Referral.objects.filter(Q(giver_id=member_id) | Q(receiver_id=member_id))
            .filter(date__gte=start, date__lte=end)
            .select_related("giver__user", "receiver__user")
            .annotate(n=Count("history"))
            .order_by("-date", "id")
        )

    query = Precompiled(build)
    for who, start in (
        (member, day - dt.timedelta(days=3)),
        (other_member, day - dt.timedelta(days=30)),
    ):
        got = query(who.pk, start, day)
        want = list(build(who.pk, start, day))
        assert len(got) == len(want) > 0
        _same(got, want)
        _same([r.giver for r in got], [r.giver for r in want])
        _same([r.receiver.user for r in got], [r.receiver.user for r in want])
        assert [r.n for r in got] == [r.n for r in want]


def test_each_call_uses_its_own_values(chapter, member, other_member):
    query = Precompiled(lambda pk: Member.objects.filter(pk=pk))
    assert query(member.pk)[0].pk == member.pk
    assert query(other_member.pk)[0].pk == other_member.pk
    assert query(-1) == []


def test_values_querysets_and_string_arguments(chapter):
    MemberFactory(chapter=chapter, company="Acme Plumbing")
    query = Precompiled(
        lambda company: Member.objects.filter(company=company).values_list("company", flat=True)
    )
    assert query("Acme Plumbing") == ["Acme Plumbing"]
    assert query("Nobody Ltd") == []


def test_an_argument_that_is_not_a_plain_parameter_falls_back(chapter, member):
    """``icontains`` rewrites the value (``%…%``): not cached, still right."""
    query = Precompiled(lambda word: Member.objects.filter(user__email__icontains=word))
    assert [m.pk for m in query("alice")] == [member.pk]
    assert query("nobody-here") == []
    assert any("test_precompiled.py" in where for where in Precompiled.fell_back)


def test_queries_are_counted_like_any_other(chapter, member, django_assert_num_queries):
    query = Precompiled(lambda pk: Member.objects.select_related("user").filter(pk=pk))
    query(member.pk)
    with django_assert_num_queries(1):
        assert query(member.pk)[0].user.email == member.user.email


def test_only_ints_dates_and_strings():
    with pytest.raises(TypeError):
        Precompiled(lambda flag: Member.objects.filter(pk=flag))(True)


def test_lists_of_ids_are_compiled_once_per_length(chapter, member, other_member):
    third = MemberFactory(chapter=chapter)
    query = Precompiled(lambda ids: Member.objects.filter(pk__in=ids).order_by("pk"))
    assert [m.pk for m in query([member.pk, third.pk])] == sorted([member.pk, third.pk])
    assert [m.pk for m in query([other_member.pk, third.pk])] == sorted([other_member.pk, third.pk])
    assert [m.pk for m in query([other_member.pk])] == [other_member.pk]
    assert len(query._shapes) == 2


def test_fixed_arguments_are_part_of_the_shape(chapter, member, other_member):
    query = Precompiled(
        lambda page, chapter_id: Member.objects.filter(chapter_id=chapter_id).order_by("pk")[
            page : page + 1
        ],
        fixed=1,
    )
    everyone = sorted([member.pk, other_member.pk])
    assert [m.pk for m in query(0, chapter.pk)] == everyone[:1]
    assert [m.pk for m in query(1, chapter.pk)] == everyone[1:]
    assert query(2, chapter.pk) == []
    assert len(query._shapes) == 3


@pytest.mark.django_db(transaction=True)
def test_a_query_compiled_in_one_thread_runs_in_another():
    """gunicorn's threads share the compiled query; each must use its own connection."""
    import threading

    from django.db import connection

    from tests.factories import ChapterFactory

    chapter = ChapterFactory()
    member = MemberFactory(chapter=chapter)
    query = Precompiled(lambda pk: Member.objects.select_related("chapter").filter(pk=pk))
    assert query(member.pk)[0].chapter == chapter  # compiled here, in the main thread
    found, errors = [], []

    def other_thread():
        try:
            found.extend(query(member.pk))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert errors == []
    assert [m.pk for m in found] == [member.pk]
