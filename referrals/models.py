"""Slips members pass each week (DOMAIN.md: "Slips").

Every slip carries its ``chapter``: the chapter it was logged in, whose week it belongs to and
whose vice-president corrects it. The other party may be beyond that chapter (DOMAIN.md "Beyond
the chapter"): a member of another chapter (a real link to their row, so it counts in their
chapter too), or someone outside Slipstream, held as ``other_name`` (and their chapter as text,
``other_chapter_name``). A slip has at most one such outside party, so those two columns serve
every kind; the check constraints below make a slip that names nobody, or a member and a name
for the same side, unstorable. Reports count each slip on the rows of the members it links to,
by each member's own chapter; an outside party never gets a row.
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import Chapter, Member


class SlipQuerySet(models.QuerySet):
    """Reads every slip kind shares; ``parties``/``owners`` on the model name the member fields."""

    def logged(self) -> "SlipQuerySet":
        """Slips logged in Slipstream, not history imported from BNI Connect: an imported
        referral's loop was closed (or not) there, so it waits in nobody's inbox."""
        return self.filter(source=Slip.Source.LOGGED)

    def between(self, start: dt.date, end: dt.date) -> "SlipQuerySet":
        return self.filter(date__gte=start, date__lte=end)

    def naming(self, member: Member, fields: tuple[str, ...] | None = None) -> "SlipQuerySet":
        """Slips in which ``member`` is one of ``fields`` (default: any party)."""
        condition = Q()
        for name in fields or self.model.parties:
            condition |= Q(**{name: member})
        return self.filter(condition)

    def visible_to(self, viewer) -> "SlipQuerySet":
        """What a viewer may read: staff all (thank-you slips only with their permission:
        ``members.access.staff_reads_all``); every member the slips that link them, in any
        chapter; the president and vice-president also what ``led_in`` gives their chapter
        (income is confidential, DOMAIN.md)."""
        from members.access import staff_reads_all  # imported once apps are loaded

        if staff_reads_all(viewer, self.model):
            return self
        if not viewer.is_member:
            return self.none()
        mine = Q()
        for name in self.model.parties:
            mine |= Q(**{f"{name}_id": viewer.member.pk})
        if viewer.is_leader:
            mine |= self.model.led_in(viewer.member.chapter_id)
        return self.filter(mine)


class Slip(models.Model):
    """What every slip has: its chapter, its date and who logged it when."""

    #: member fields naming who may read the slip; ``owners`` who may edit it while open.
    parties: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    kind_slug = ""

    # Each slip table indexes (chapter, date), which serves chapter lookups: no second index.
    chapter = models.ForeignKey(Chapter, on_delete=models.PROTECT, related_name="+", db_index=False)
    date = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: The form's one-off token. Unique per author, so a form sent again after its answer was
    #: lost (the database went away as it committed) finds the slip it stored, not a twin.
    #: Empty by default in the database too, so bulk loads (``COPY``) may leave it out.
    token = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)

    #: The party field an outside name stands for (``OutsideParty`` kinds only).
    outside_field: str = ""

    class Source(models.TextChoices):
        LOGGED = "", _("Logged in Slipstream")
        BNI_CONNECT = "bni_connect", _("Imported from a BNI Connect slips audit")

    #: Where the slip came from: an import of a BNI Connect slips audit replaces the slips it
    #: imported for its date, and only those (``bniconnect``).
    source = models.CharField(
        max_length=12, choices=Source.choices, blank=True, default="", db_default=""
    )

    objects = SlipQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def token_once(cls, name: str) -> models.UniqueConstraint:
        return models.UniqueConstraint(
            fields=["created_by", "token"], condition=~Q(token=""), name=f"{name}_token_once"
        )

    def party_label(self, field: str) -> str:
        """Who stands on ``field``: the member's name, the outside party, or "unknown"."""
        if getattr(self, f"{field}_id") is not None:
            return str(getattr(self, field))
        if field == self.outside_field and getattr(self, "other_name", ""):
            return self.outside_label
        return gettext("an unknown member")

    def crosses_chapter(self) -> bool:
        """Whether a linked member belongs to another chapter than the slip's own."""
        return any(
            (member := getattr(self, name)) is not None and member.chapter_id != self.chapter_id
            for name in self.parties
        )

    @classmethod
    def led_in(cls, chapter_id: int) -> Q:
        """The slips a chapter's president and vice-president may open: those logged in the
        chapter, whose week they review and correct. A slip from another chapter to one of
        their members is counted in their reports but opened only by the two members."""
        return Q(chapter_id=chapter_id)

    def is_owned_by(self, member: Member | None) -> bool:
        return member is not None and any(
            getattr(self, f"{name}_id") == member.pk for name in self.owners
        )

    def names(self, member: Member | None) -> bool:
        return member is not None and any(
            getattr(self, f"{name}_id") == member.pk for name in self.parties
        )


class OutsideParty(models.Model):
    """The slip kinds whose other party may be outside Slipstream: a former member, a
    visitor, a member of a chapter not in it, or ``BNI`` for the organisation. A slip names at
    most one such party, so two columns serve: who, and their chapter as text."""

    other_name = models.CharField(max_length=120, blank=True, default="", db_default="")
    other_chapter_name = models.CharField(max_length=200, blank=True, default="", db_default="")

    class Meta:
        abstract = True

    @staticmethod
    def member_or_named(name: str, field: str) -> models.CheckConstraint:
        """``field`` links a member, or the slip names someone outside instead: never both,
        never neither."""
        return models.CheckConstraint(
            condition=Q(**{f"{field}__isnull": False}, other_name="")
            | (Q(**{f"{field}__isnull": True}) & ~Q(other_name="")),
            name=f"{name}_{field}_member_or_named",
        )

    @staticmethod
    def chapter_name_with_name(name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(other_chapter_name="") | ~Q(other_name=""),
            name=f"{name}_other_chapter_with_name",
        )

    @property
    def outside_label(self) -> str:
        """The outside party as people read it: "Ann Lee (BNI Givers, Deira)"."""
        if not self.other_name:
            return ""
        if self.other_chapter_name:
            return f"{self.other_name} ({self.other_chapter_name})"
        return self.other_name


class Referral(OutsideParty, Slip):
    """Business passed from a giver to a receiver; the receiver reports how it went."""

    class Kind(models.TextChoices):
        INSIDE = "inside", _("Inside (the giver is the customer)")
        OUTSIDE = "outside", _("Outside (a third party)")

    class Temperature(models.IntegerChoices):
        DETAILS = 1, _("1 · Contact details; they expect your call")
        MATERIAL = 2, _("2 · …and I passed on your card or brochure")
        TESTIMONIAL = 3, _("3 · …and I gave them a personal testimonial")
        ARRANGED = 4, _("4 · …and I arranged a call or meeting")
        INTRODUCED = 5, _("5 · I introduced you in person")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        MEETING_BOOKED = "meeting_booked", _("Meeting booked")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        NOT_A_FIT = "not_a_fit", _("Not a fit")

    CLOSED = (Status.WON, Status.LOST, Status.NOT_A_FIT)
    OPEN = (Status.NEW, Status.CONTACTED, Status.MEETING_BOOKED)

    parties = ("giver", "receiver")
    owners = ("giver",)
    kind_slug = "referral"

    #: Empty when the referral came from outside Slipstream (``other_name``).
    giver = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="referrals_given",
        db_index=False,
        null=True,
        blank=True,
    )
    #: A member, of this chapter or another: they close the loop in Slipstream. Only a
    #: referral imported from BNI Connect's history may have gone to someone outside it.
    receiver = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="referrals_received",
        db_index=False,
        null=True,
        blank=True,
    )
    kind = models.CharField(max_length=7, choices=Kind.choices, default=Kind.INSIDE)
    contact_name = models.CharField(max_length=120)
    contact_phone = models.CharField(max_length=32, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_company = models.CharField(max_length=150, blank=True)
    need = models.TextField(max_length=1000, blank=True, help_text=_("What they need."))
    temperature = models.PositiveSmallIntegerField(
        choices=Temperature.choices,
        default=Temperature.DETAILS,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    told_them_you_would_call = models.BooleanField(default=False)
    gave_your_card = models.BooleanField(default=False)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.NEW)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            Slip.token_once("referral"),
            models.CheckConstraint(
                condition=Q(giver__isnull=False) | Q(receiver__isnull=False),
                name="referral_names_a_member",
            ),
            # The one side that links no member is named; two members leave the name empty.
            models.CheckConstraint(
                condition=Q(giver__isnull=False, receiver__isnull=False, other_name="")
                | ((Q(giver__isnull=True) | Q(receiver__isnull=True)) & ~Q(other_name="")),
                name="referral_other_side_named",
            ),
            models.CheckConstraint(
                condition=Q(receiver__isnull=False) | Q(source="bni_connect"),
                name="referral_receiver_is_a_member",
            ),
            OutsideParty.chapter_name_with_name("referral"),
            models.CheckConstraint(condition=~Q(giver=F("receiver")), name="referral_not_to_self"),
            models.CheckConstraint(
                condition=Q(temperature__gte=1, temperature__lte=5),
                name="referral_temperature_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["inside", "outside"]), name="referral_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["new", "contacted", "meeting_booked", "won", "lost", "not_a_fit"]
                ),
                name="referral_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["chapter", "date"]),
            models.Index(fields=["receiver", "status"]),
            models.Index(fields=["giver", "date"]),
            models.Index(fields=["receiver", "date"]),
        ]

    def __str__(self) -> str:
        giver, receiver = self.party_label("giver"), self.party_label("receiver")
        return f"{giver} → {receiver}: {self.contact_name}"

    @property
    def outside_field(self) -> str:  # type: ignore[override]
        """The side the outside name stands for: the giver, or else the receiver."""
        return "giver" if self.giver_id is None else "receiver"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED

    def next_statuses(self) -> list[str]:
        """Where the receiver may move it: forward through the open steps, or to any outcome.

        A closed referral is final; only the vice-president or president may correct it.
        """
        if self.is_closed:
            return []
        later = list(self.OPEN[self.OPEN.index(self.status) + 1 :])
        return [*later, *self.CLOSED]

    def next_status_choices(self) -> list[tuple[str, str]]:
        return [(value, self.Status(value).label) for value in self.next_statuses()]

    def _slots(self, statuses) -> list[tuple[str, str, bool]]:
        offered = self.next_statuses()
        return [(value, self.Status(value).label, value in offered) for value in statuses]

    def step_slots(self) -> list[tuple[str, str, bool]]:
        """The steps after "new" in order, each with whether it may be chosen now: a card
        draws every one, so each button keeps its place whatever the status."""
        return self._slots(self.OPEN[1:])

    def outcome_slots(self) -> list[tuple[str, str, bool]]:
        """The outcomes in order, as ``step_slots``."""
        return self._slots(self.CLOSED)


class ReferralStatusChange(models.Model):
    """One step of a referral's progress, stamped with who and when."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="history")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=14, choices=Referral.Status.choices)
    to_status = models.CharField(max_length=14, choices=Referral.Status.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Tyfcb(OutsideParty, Slip):
    """ "Thank you for closed business": the writer closed it and thanks the member who referred it.

    The credit (PALMS's TYFCB column) goes to ``thanked``; the amount is confidential.
    """

    parties = ("writer", "thanked")
    owners = ("writer",)
    kind_slug = "tyfcb"

    class Business(models.TextChoices):
        NEW = "new", _("New business")
        REPEAT = "repeat", _("Repeat business")

    #: Empty for a writer outside Slipstream (``other_name``) or an unknown one (no name:
    #: BNI Connect exports the thanker anonymously); it then counts in nobody's "business
    #: received".
    writer = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="tyfcbs_written",
        db_index=False,
        null=True,
        blank=True,
    )
    #: Empty when the member thanks someone outside Slipstream (``other_name``): a former
    #: member or a visitor who sent the work. Only a linked member is credited in PALMS.
    thanked = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="tyfcbs_received",
        db_index=False,
        null=True,
        blank=True,
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    business = models.CharField(max_length=6, choices=Business.choices, default=Business.NEW)
    referral = models.ForeignKey(
        Referral, on_delete=models.SET_NULL, null=True, blank=True, related_name="tyfcbs"
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("TYFCB")
        verbose_name_plural = _("TYFCBs")
        # Income is confidential (DOMAIN.md): staff read a chapter's totals, and its single
        # thank-you slips only once granted this (``members.access.reads_tyfcb_slips``).
        permissions = [
            ("view_tyfcb_amounts", "Can read individual TYFCB slips and their amounts"),
        ]
        constraints = [
            Slip.token_once("tyfcb"),
            models.CheckConstraint(
                condition=Q(writer__isnull=False) | Q(thanked__isnull=False),
                name="tyfcb_names_a_member",
            ),
            models.CheckConstraint(
                condition=Q(thanked__isnull=False) | ~Q(other_name=""),
                name="tyfcb_thanked_member_or_named",
            ),
            # A name stands for the one side that links no member: never beside two members.
            models.CheckConstraint(
                condition=Q(writer__isnull=True) | Q(thanked__isnull=True) | Q(other_name=""),
                name="tyfcb_name_only_for_a_missing_side",
            ),
            OutsideParty.chapter_name_with_name("tyfcb"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tyfcb_amount_positive"),
            models.CheckConstraint(condition=~Q(writer=F("thanked")), name="tyfcb_not_to_self"),
            models.CheckConstraint(
                condition=Q(business__in=["new", "repeat"]), name="tyfcb_business_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["chapter", "date"]),
            models.Index(fields=["thanked", "date"]),
            models.Index(fields=["writer", "date"]),
        ]

    def __str__(self) -> str:
        return f"TYFCB {self.party_label('writer')} → {self.party_label('thanked')}"

    @classmethod
    def led_in(cls, chapter_id: int) -> Q:
        """A thank-you is the leaders' of the chapter whose PALMS counts it, the thanked
        member's (DOMAIN.md); one thanking someone outside Slipstream, the chapter's it was
        logged in."""
        return Q(thanked__chapter_id=chapter_id) | Q(chapter_id=chapter_id, thanked__isnull=True)

    @property
    def outside_field(self) -> str:  # type: ignore[override]
        """The side the outside name stands for: the thanked, or else the writer."""
        return "thanked" if self.thanked_id is None else "writer"

    @property
    def writer_unknown(self) -> bool:
        return self.writer_id is None and not (self.thanked_id is not None and self.other_name)


class OneToOne(OutsideParty, Slip):
    """A 1-2-1 between two members. The pair is stored in id order, so the same pair on the
    same day is one row whichever of them logs it."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    parties = ("member_a", "member_b")
    owners = ("member_a", "member_b")
    kind_slug = "one_to_one"
    outside_field = "member_b"

    member_a = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", db_index=False)
    #: Empty for a 1-2-1 with someone outside Slipstream (``other_name``).
    member_b = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="+", db_index=False, null=True, blank=True
    )
    time = models.TimeField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PLANNED)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("one-to-one")
        constraints = [
            Slip.token_once("onetoone"),
            OutsideParty.member_or_named("one_to_one", "member_b"),
            OutsideParty.chapter_name_with_name("one_to_one"),
            models.CheckConstraint(
                condition=Q(member_a__lt=F("member_b")), name="one_to_one_pair_ordered"
            ),
            # A slips audit from BNI Connect may hold the same pair twice in a week (each
            # member logged it there): history is kept as it was, so only slips logged here
            # are one per pair and day.
            models.UniqueConstraint(
                fields=["member_a", "member_b", "date"],
                condition=Q(source=""),
                name="one_to_one_per_pair_per_day",
            ),
            models.UniqueConstraint(
                fields=["member_a", "other_name", "date"],
                condition=Q(member_b__isnull=True, source=""),
                name="one_to_one_per_outsider_per_day",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "done", "cancelled"]),
                name="one_to_one_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["chapter", "date"]),
            models.Index(fields=["member_a", "date"]),
            models.Index(fields=["member_b", "date"]),
        ]

    def __str__(self) -> str:
        return f"1-2-1 {self.member_a} & {self.party_label('member_b')} {self.date}"

    def save(self, *args, **kwargs):
        if self.member_a_id and self.member_b_id and self.member_a_id > self.member_b_id:
            self.member_a_id, self.member_b_id = self.member_b_id, self.member_a_id
        super().save(*args, **kwargs)

    def other(self, member: Member) -> Member | None:
        """The other member of the pair (``None`` when it is someone outside Slipstream)."""
        return self.member_b if member.pk == self.member_a_id else self.member_a

    def other_label(self, member: Member) -> str:
        if member.pk == self.member_a_id:
            return self.party_label("member_b")
        return str(self.member_a)


class Ceu(Slip):
    """A continuing-education credit a member earned."""

    parties = ("member",)
    owners = ("member",)
    kind_slug = "ceu"

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="ceus", db_index=False
    )
    topic = models.CharField(max_length=200)
    credits = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("CEU")
        constraints = [
            Slip.token_once("ceu"),
            models.CheckConstraint(condition=Q(credits__gt=0), name="ceu_credits_positive"),
        ]
        indexes = [
            models.Index(fields=["chapter", "date"]),
            models.Index(fields=["member", "date"]),
        ]

    def __str__(self) -> str:
        return f"CEU {self.member}: {self.topic}"


class Testimonial(Slip):
    """One member praising another's work at the meeting."""

    parties = ("giver", "receiver")
    owners = ("giver",)
    kind_slug = "testimonial"

    giver = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="testimonials_given", db_index=False
    )
    receiver = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="testimonials_received"
    )
    text = models.TextField(max_length=2000)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            Slip.token_once("testimonial"),
            models.CheckConstraint(
                condition=~Q(giver=F("receiver")), name="testimonial_not_to_self"
            ),
        ]
        indexes = [models.Index(fields=["chapter", "date"]), models.Index(fields=["giver", "date"])]

    def __str__(self) -> str:
        return f"Testimonial {self.giver} → {self.receiver}"


class SlipCorrection(models.Model):
    """An audit row: a slip changed or deleted by someone other than its owner, or after its
    week was submitted (only the vice-president or president may then correct it)."""

    class Action(models.TextChoices):
        EDITED = "edited", _("Edited")
        DELETED = "deleted", _("Deleted")

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12)
    slip_id = models.PositiveBigIntegerField()
    slip_date = models.DateField(help_text=_("The slip's date after the change."))
    week_ending = models.DateField(help_text=_("The meeting week the slip belonged to."))
    action = models.CharField(max_length=7, choices=Action.choices)
    changes = models.JSONField(default=dict, help_text=_("field: [before, after]"))
    summary = models.CharField(max_length=300)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    corrected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-corrected_at", "-id"]
        indexes = [
            models.Index(fields=["chapter", "week_ending"]),
            models.Index(fields=["kind", "slip_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.kind} #{self.slip_id}: {self.summary}"


#: Every slip kind by the slug used in URLs and forms (``?kind=referral``).
SLIP_KINDS: dict[str, type[Slip]] = {
    model.kind_slug: model for model in (Referral, Tyfcb, OneToOne, Ceu, Testimonial)
}
