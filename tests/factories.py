"""factory_boy factories: every test builds the rows it needs; there are no fixture files."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from meetings.models import Attendance, Meeting, Visit, Visitor
from members.models import Chapter, Classification, ContactSphere, Member, Region, Role
from referrals.models import Ceu, OneToOne, Referral, Testimonial, Tyfcb

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Region {n}")
    slug = factory.Sequence(lambda n: f"region-{n}")


class ChapterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chapter
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Chapter {n}")
    slug = factory.Sequence(lambda n: f"chapter-{n}")
    time_zone = "Europe/London"
    venue = "The Old Bank, High Street"


class ContactSphereFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactSphere
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Sphere {n}")


class ClassificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Classification
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Trade {n}")
    sphere = factory.SubFactory(ContactSphereFactory)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    chapter = factory.SubFactory(ChapterFactory)
    classification = factory.SubFactory(ClassificationFactory)
    company = factory.Faker("company")
    phone = "+44 20 7946 0000"
    joined_on = dt.date(2024, 1, 2)
    renewal_due = dt.date(2027, 1, 2)
    status = Member.Status.ACTIVE


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    member = factory.SubFactory(MemberFactory)
    name = Role.Name.PRESIDENT
    started_on = dt.date(2024, 1, 1)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting
        django_get_or_create = ("chapter", "date")

    chapter = factory.SubFactory(ChapterFactory)
    date = dt.date(2026, 11, 17)
    starts_at = factory.LazyAttribute(
        lambda o: dt.datetime.combine(o.date, o.chapter.meeting_time, tzinfo=o.chapter.tz)
    )


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    meeting = factory.SubFactory(MeetingFactory)
    member = factory.SubFactory(MemberFactory, chapter=factory.SelfAttribute("..meeting.chapter"))
    mark = Attendance.Mark.PRESENT


class VisitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visitor

    chapter = factory.SubFactory(ChapterFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"visitor{n}@example.test")
    company = factory.Faker("company")


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    visitor = factory.SubFactory(VisitorFactory)
    meeting = factory.SubFactory(MeetingFactory, chapter=factory.SelfAttribute("..visitor.chapter"))
    attended = True


def _today():
    return timezone.localdate()


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    giver = factory.SubFactory(MemberFactory)
    receiver = factory.SubFactory(MemberFactory, chapter=factory.SelfAttribute("..giver.chapter"))
    chapter = factory.SelfAttribute("giver.chapter")
    date = factory.LazyFunction(_today)
    contact_name = factory.Faker("name")
    need = "A new website"


class TyfcbFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tyfcb

    writer = factory.SubFactory(MemberFactory)
    thanked = factory.SubFactory(MemberFactory, chapter=factory.SelfAttribute("..writer.chapter"))
    chapter = factory.SelfAttribute("writer.chapter")
    date = factory.LazyFunction(_today)
    amount = Decimal("250.00")


class OneToOneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OneToOne

    member_a = factory.SubFactory(MemberFactory)
    member_b = factory.SubFactory(
        MemberFactory, chapter=factory.SelfAttribute("..member_a.chapter")
    )
    chapter = factory.SelfAttribute("member_a.chapter")
    date = factory.LazyFunction(_today)
    status = OneToOne.Status.DONE


class CeuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ceu

    member = factory.SubFactory(MemberFactory)
    chapter = factory.SelfAttribute("member.chapter")
    date = factory.LazyFunction(_today)
    topic = "Podcast: Givers Gain"
    credits = 1


class TestimonialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Testimonial

    giver = factory.SubFactory(MemberFactory)
    receiver = factory.SubFactory(MemberFactory, chapter=factory.SelfAttribute("..giver.chapter"))
    chapter = factory.SelfAttribute("giver.chapter")
    date = factory.LazyFunction(_today)
    text = "Fixed our boiler the same day. Brilliant."


def grant_tyfcb_slips(user):
    """The explicit grant staff need to read single thank-you slips (``members.access.holds``:
    a superuser's every-permission does not count)."""
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="referrals", codename="view_tyfcb_amounts")
    )
    return user
