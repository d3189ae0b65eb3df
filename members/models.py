"""People, trades, roles and chapters (DOMAIN.md: the chapter and its week; people, roles)."""

import datetime as dt
import hashlib
import secrets
import zoneinfo
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .text import CleanTextModel

# --- Users ------------------------------------------------------------------------------------


class UserManager(DjangoUserManager):
    """Users are found by email; there is no username."""

    use_in_migrations = True

    def _new_user(self, email, password, **extra_fields):
        """A new user by email. Not called ``_create_user``: Django's ``UserManager`` keeps
        a private method of that name, which takes a username."""
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._new_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._new_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(CleanTextModel, AbstractUser):
    """A login. The email is the identity; the chapter-facing profile is ``Member``."""

    text_fields = ("first_name", "last_name")
    username = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


# --- Chapters ---------------------------------------------------------------------------------


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            gettext("%(value)s is not a time zone name such as Europe/London.")
            % {"value": repr(value)}
        )


def default_light_points() -> dict:
    """The traffic-light points table of DOMAIN.md; each chapter may tune its copy in the admin.

    Rate measures are ``[[at_least, points], …]`` checked from the top; ``absences`` gives
    the points for 0, 1, 2, 3 absences (more → 0); ``tyfcb`` the points for reaching the
    chapter's threshold, half of it, or any amount.
    """
    return {
        "absences": [20, 15, 10, 5],
        "referrals_per_week": [[1, 20], [0.75, 15], [0.5, 10], [0.25, 5]],
        "visitors_per_month": [[1, 20], [0.75, 15], [0.5, 10], [0.25, 5]],
        "one_to_ones_per_week": [[1, 20], [0.75, 15], [0.5, 10], [0.25, 5]],
        "ceu_per_week": [[1, 10], [0.5, 5]],
        "tyfcb": {"threshold": 5, "half": 3, "any": 1},
        "testimonials": [[2, 5], [1, 3]],
    }


class Region(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Chapter(models.Model):
    """A group of business owners meeting weekly; its settings drive policy and lights."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    class DecimalMark(models.TextChoices):
        POINT = ".", _("1,250.50 (a point before the cents)")
        COMMA = ",", _("1.250,50 (a comma before the cents)")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="chapters", null=True, blank=True
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    meeting_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.TUESDAY
    )
    meeting_time = models.TimeField(default=dt.time(7, 0))
    meeting_minutes = models.PositiveSmallIntegerField(default=90)
    venue = models.CharField(max_length=200, blank=True)
    #: Shown on its members' cards in the search across chapters, and searched there.
    city = models.CharField(max_length=120, blank=True, default="", db_default="")
    online_link = models.URLField(blank=True)
    currency = models.CharField(
        max_length=3,
        default="GBP",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO code such as GBP."))],
    )
    #: How the chapter's members write amounts (``members.amounts``): what comes before the
    #: cents. A TYFCB form reads ``12,5`` as twelve and a half only where it is a comma.
    decimal_mark = models.CharField(
        max_length=1,
        choices=DecimalMark.choices,
        default=DecimalMark.POINT,
        db_default=DecimalMark.POINT,
        help_text=_("How members write amounts on their slips."),
    )
    # Attendance policy (DOMAIN.md defaults).
    absence_limit = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1)], help_text=_("Absences allowed in the window.")
    )
    policy_window_weeks = models.PositiveSmallIntegerField(
        default=26, validators=[MinValueValidator(1)]
    )
    medical_allowance_weeks = models.PositiveSmallIntegerField(
        default=8, help_text=_("Consecutive M weeks before further M marks count as absences.")
    )
    # Traffic lights (DOMAIN.md defaults).
    green_min = models.PositiveSmallIntegerField(default=70)
    yellow_min = models.PositiveSmallIntegerField(default=50)
    red_min = models.PositiveSmallIntegerField(default=30)
    tyfcb_threshold = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("10000.00")
    )
    light_points = models.JSONField(default=default_light_points)
    created_at = models.DateTimeField(auto_now_add=True)
    #: Moved forward by the database on every write a report reads (``pages.kept``).
    revision = models.BigIntegerField(default=0, editable=False)
    #: Moved forward only by writes to the roster and to these settings (``triggers.revision``).
    roster_revision = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(green_min__gt=F("yellow_min")) & Q(yellow_min__gt=F("red_min")),
                name="chapter_light_thresholds_descend",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self) -> dt.date:
        """Today's date where the chapter meets, which is what every weekly rule uses."""
        return timezone.localtime(timezone.now(), self.tz).date()


# --- Trades -----------------------------------------------------------------------------------


class ContactSphere(CleanTextModel, models.Model):
    """Related trades whose members naturally pass each other work ("Home", "Events", …)."""

    text_fields = ("name",)

    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Classification(CleanTextModel, models.Model):
    """A trade. Shared by the region; a chapter seats at most one active member per trade.

    Its name is normalised (``members.text``), so ``Baker`` with a zero-width space or a
    full-width ``Ｂaker`` is the ``Baker`` already there, not a second trade beside it."""

    text_fields = ("name",)

    name = models.CharField(max_length=120)
    sphere = models.ForeignKey(
        ContactSphere,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="classifications",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="classification_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name


# --- Members ----------------------------------------------------------------------------------


class MemberQuerySet(models.QuerySet):
    def active_in(self, chapter: Chapter) -> "MemberQuerySet":
        return self.filter(chapter=chapter, status=Member.Status.ACTIVE)

    def seated_in(self, chapter: Chapter) -> "MemberQuerySet":
        """Members who hold their trade: active or on leave (not applicants, not dropped)."""
        return self.filter(chapter=chapter, status__in=Member.SEATED)

    def belonging_on(self, day: dt.date) -> "MemberQuerySet":
        """Members of the chapter on ``day``: joined on or before it, not left before it."""
        return self.exclude(status=Member.Status.APPLICANT).filter(
            Q(joined_on__lte=day), Q(left_on__isnull=True) | Q(left_on__gte=day)
        )

    def belonging_between(self, start: dt.date, end: dt.date) -> "MemberQuerySet":
        """Members who belonged on any day of ``[start, end]`` (the PALMS row rule)."""
        return self.exclude(status=Member.Status.APPLICANT).filter(
            Q(joined_on__lte=end), Q(left_on__isnull=True) | Q(left_on__gte=start)
        )

    def with_people(self) -> "MemberQuerySet":
        return self.select_related("user", "classification", "classification__sphere")


class Member(CleanTextModel, models.Model):
    """A person's seat in a chapter. History stays when they go on leave or are dropped."""

    text_fields = ("company",)

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ACTIVE = "active", _("Active")
        ON_LEAVE = "on_leave", _("On leave")
        DROPPED = "dropped", _("Dropped")

    SEATED = (Status.ACTIVE, Status.ON_LEAVE)

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="member")
    chapter = models.ForeignKey(Chapter, on_delete=models.PROTECT, related_name="members")
    company = models.CharField(max_length=150, blank=True)
    classification = models.ForeignKey(
        Classification, on_delete=models.PROTECT, related_name="members"
    )
    phone = models.CharField(
        max_length=32,
        blank=True,
        validators=[
            RegexValidator(r"^\+?[0-9 ()\-.]{6,31}$", _("Enter a phone number: digits, spaces, +."))
        ],
    )
    website = models.URLField(blank=True)
    ideal_referral = models.TextField(max_length=600, blank=True)
    sponsor = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="sponsored"
    )
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True, help_text=_("Last day of membership."))
    renewal_due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLICANT)
    leave_from = models.DateField(null=True, blank=True)
    leave_until = models.DateField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_changed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    #: What the search across chapters matches (``members.selectors.members_elsewhere``): the
    #: name, company, trade, chapter and city, lower-cased and without accents. PostgreSQL's
    #: triggers (frozen in migration 0005) write it whenever any of those rows changes, and
    #: a trigram index over it answers a search in any region; on SQLite it stays empty and
    #: the search matches the joined columns instead.
    directory_text = models.TextField(blank=True, default="", db_default="", editable=False)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["user__first_name", "user__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["chapter", "classification"],
                condition=Q(status__in=["active", "on_leave"]),
                name="one_member_per_trade",
                violation_error_message=_("This trade is already held in the chapter."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="member_leaves_after_joining",
            ),
            models.CheckConstraint(
                condition=Q(renewal_due__isnull=True) | Q(renewal_due__gte=F("joined_on")),
                name="member_renews_after_joining",
            ),
            models.CheckConstraint(
                condition=Q(leave_until__isnull=True)
                | Q(leave_from__isnull=True)
                | Q(leave_until__gte=F("leave_from")),
                name="member_leave_ends_after_it_starts",
            ),
        ]
        indexes = [models.Index(fields=["chapter", "status"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.user.first_name} {self.user.last_name}".strip() or self.user.email

    @property
    def email(self) -> str:
        return self.user.email

    def belongs_on(self, day: dt.date) -> bool:
        return (
            self.status != self.Status.APPLICANT
            and self.joined_on <= day
            and (self.left_on is None or self.left_on >= day)
        )

    def on_leave_on(self, day: dt.date) -> bool:
        if self.status != self.Status.ON_LEAVE:
            return False
        starts = self.leave_from or dt.date.min
        ends = self.leave_until or dt.date.max
        return starts <= day <= ends

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.left_on and self.joined_on and self.left_on < self.joined_on:
            errors["left_on"] = gettext("A member cannot leave before joining.")
        if self.renewal_due and self.joined_on and self.renewal_due < self.joined_on:
            errors["renewal_due"] = gettext("The renewal date cannot be before the joining date.")
        if self.leave_from and self.leave_until and self.leave_until < self.leave_from:
            errors["leave_until"] = gettext("Leave cannot end before it starts.")
        if self.status in self.SEATED and self.classification_id and self.chapter_id:
            holder = (
                Member.objects.seated_in(self.chapter)
                .filter(classification_id=self.classification_id)
                .exclude(pk=self.pk)
                .select_related("user")
                .first()
            )
            if holder:
                errors["classification"] = gettext(
                    "%(trade)s is already held in %(chapter)s by %(holder)s."
                ) % {
                    "trade": self.classification,
                    "chapter": self.chapter,
                    "holder": holder.full_name,
                }
        if errors:
            raise ValidationError(errors)


# --- Roles ------------------------------------------------------------------------------------


class RoleQuerySet(models.QuerySet):
    def current(self, on: dt.date | None = None) -> "RoleQuerySet":
        on = on or timezone.localdate()
        return self.filter(Q(started_on__lte=on), Q(ended_on__isnull=True) | Q(ended_on__gte=on))


class Role(models.Model):
    """A leadership role a member holds for a term; roles are data, not staff flags."""

    class Name(models.TextChoices):
        PRESIDENT = "president", _("President")
        VICE_PRESIDENT = "vice_president", _("Vice-president")
        SECRETARY_TREASURER = "secretary_treasurer", _("Secretary-treasurer")
        MEMBERSHIP_COMMITTEE = "membership_committee", _("Membership committee")
        VISITOR_HOST = "visitor_host", _("Visitor host")
        EDUCATION_COORDINATOR = "education_coordinator", _("Education coordinator")
        MENTOR = "mentor", _("Mentor")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=24, choices=Name.choices)
    started_on = models.DateField(default=dt.date.today)
    ended_on = models.DateField(null=True, blank=True)

    objects = RoleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="role_term_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["member", "name", "started_on"], name="role_term_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_name_display()}: {self.member}"


# --- Status history ---------------------------------------------------------------------------


class MemberStatusChange(models.Model):
    """One change of a member's status (or a renewal), kept forever as the membership audit."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Member.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Member.Status.choices)
    changed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["member", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.member}: {self.from_status or '—'} → {self.to_status}"


# --- Invitations ------------------------------------------------------------------------------

INVITATION_DAYS = 7


def hash_token(token: str) -> str:
    """Invitation links carry a random token; only its SHA-256 is stored, like a password."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def open(self) -> "InvitationQuerySet":
        """Not yet accepted (expired ones included: they can be sent again)."""
        return self.filter(accepted_at__isnull=True)

    def by_token(self, token: str) -> "InvitationQuerySet":
        return self.filter(token_hash=hash_token(token))


class Invitation(CleanTextModel, models.Model):
    """A one-time, seven-day link for a person to set a password and take their seat."""

    text_fields = ("first_name", "last_name", "company")

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    classification = models.ForeignKey(
        Classification, on_delete=models.PROTECT, related_name="invitations"
    )
    company = models.CharField(max_length=150, blank=True)
    as_applicant = models.BooleanField(
        default=False,
        help_text=_(
            "Joins as an applicant for the membership committee to approve, "
            "instead of as an active member."
        ),
    )
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    member = models.OneToOneField(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="invitation",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A double-submitted invite form stores one row: one open invitation per email.
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(accepted_at__isnull=True),
                name="one_open_invitation_per_email",
                violation_error_message=_("This person already has an open invitation."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def new_token(self) -> str:
        """Give the invitation a fresh token valid seven days from now; returns the raw token."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.sent_at = timezone.now()
        self.expires_at = self.sent_at + dt.timedelta(days=INVITATION_DAYS)
        return token

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


# --- Audit ------------------------------------------------------------------------------------


class AuditEvent(models.Model):
    """Changes with no history table of their own: roles given or ended, a member anonymised,
    a staff permission over confidential data granted or revoked (no chapter: it reaches
    every chapter, whose audit pages all show it).

    Status changes, attendance corrections and slip corrections keep their own rows
    (``MemberStatusChange``, ``meetings.AttendanceChange``, ``referrals.SlipCorrection``); the
    audit page reads them all.
    """

    class Action(models.TextChoices):
        ROLE_ADDED = "role_added", _("Role given")
        ROLE_ENDED = "role_ended", _("Role ended")
        ROLE_CHANGED = "role_changed", _("Role term changed")
        ROLE_REMOVED = "role_removed", _("Role removed")
        ANONYMISED = "anonymised", _("Member anonymised")
        GRANTED = "granted", _("Permission granted")
        REVOKED = "revoked", _("Permission revoked")

    chapter = models.ForeignKey(
        Chapter,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_events",
        help_text=_("Empty for a change that reaches every chapter (a staff permission)."),
    )
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    summary = models.CharField(max_length=300)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["chapter", "at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.summary}"
