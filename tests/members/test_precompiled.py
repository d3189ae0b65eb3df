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


# --- One new row (``insert``) -------------------------------------------------------------------


def _slips(member, other, day, n: int) -> list:
    """One unsaved row of each kind of slip, and an attendance mark (a model without a date
    of its own), as the services build them."""
    from decimal import Decimal

    from referrals.models import Ceu, OneToOne, Testimonial, Tyfcb

    chapter = member.chapter
    first, second = sorted((member, other), key=lambda m: m.pk)
    return [
        Referral(chapter=chapter, giver=member, receiver=other, date=day, contact_name=f"C{n}",
                 token=f"t{n}", created_by=member.user, temperature=3, need="A roof"),
        Tyfcb(chapter=chapter, writer=member, thanked=other, date=day, amount=Decimal("12.50"),
              token=f"t{n}"),
        OneToOne(chapter=chapter, member_a=first, member_b=second,
                 date=day - dt.timedelta(days=n)),
        Ceu(chapter=chapter, member=member, date=day, topic=f"Topic {n}", credits=2),
        Testimonial(chapter=chapter, giver=member, receiver=other, date=day, text=f"Great {n}"),
    ]  # fmt: skip


def _stored(obj) -> dict:
    row = type(obj).objects.filter(pk=obj.pk).values().get()
    return {k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at")}


def test_insert_stores_what_save_stores_and_leaves_the_object_as_save_does(
    chapter, member, other_member
):
    from members.precompiled import insert

    day = chapter.today()
    for n in range(3):  # the first row of each model compiles, the next ones reuse the SQL
        inserted = _slips(member, other_member, day, n)
        saved = _slips(other_member, member, day - dt.timedelta(days=10), n)
        for a, b in zip(inserted, saved, strict=True):
            insert(a)
            b.save()
            assert a.pk is not None and a.pk != b.pk
            assert not a._state.adding and a._state.db == b._state.db == "default"
            expected = _stored(b)
            for key in (
                "chapter_id",
                "giver_id",
                "receiver_id",
                "writer_id",
                "thanked_id",
                "member_id",
                "member_a_id",
                "member_b_id",
                "created_by_id",
                "date",
            ):
                expected.pop(key, None)  # swapped on purpose between the two
            got = {k: v for k, v in _stored(a).items() if k in expected}
            assert got == expected, type(a).__name__
            assert {k: v for k, v in _fields(a).items() if k in expected} == {
                k: v for k, v in _fields(b).items() if k in expected
            }  # fmt: skip


def test_insert_is_one_query_and_a_refused_row_raises_like_save(
    chapter, member, other_member, django_assert_num_queries
):
    from django.db import IntegrityError, transaction

    from members.precompiled import insert

    day = chapter.today()
    insert(_slips(member, other_member, day, 0)[0])
    again = _slips(member, other_member, day, 1)[0]
    with django_assert_num_queries(1):
        insert(again)
    twin = _slips(member, other_member, day, 1)[0]  # the same author and token
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(twin)
    assert Referral.objects.filter(token="t1").count() == 1


def test_insert_leaves_to_save_what_it_cannot_store_the_same_way(chapter, member, other_member):
    from django.db.models.signals import pre_save

    from members.precompiled import insert

    day = chapter.today()
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    pre_save.connect(receiver, sender=Referral)
    try:
        slip = _slips(member, other_member, day, 5)[0]
        insert(slip)
    finally:
        pre_save.disconnect(receiver, sender=Referral)
    assert seen == [slip] and slip.pk is not None
    existing = Referral.objects.get(pk=slip.pk)
    existing.contact_name = "Changed"
    insert(existing)  # a stored row: save() updates it
    assert Referral.objects.get(pk=slip.pk).contact_name == "Changed"
