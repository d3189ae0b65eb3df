from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models import Chapter, Member


class MemberWeek(models.Model):
    """What one member did for one chapter in one calendar week (Monday to Sunday), or in one
    period of four, as PALMS counts it: kept by the database's triggers (``reports.rollup``),
    read for a region."""

    pk = models.CompositePrimaryKey("member_id", "chapter_id", "weeks", "week")
    # Written only by the triggers, read only by PALMS: no constraint to check on each slip,
    # and no index of their own: the primary key leads with the member, the (chapter, weeks,
    # week) index with the chapter, and every slip's upsert writes each index there is.
    member = models.ForeignKey(
        Member, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    chapter = models.ForeignKey(
        Chapter, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    weeks = models.PositiveSmallIntegerField(help_text=_("1, or 4: a period of four weeks."))
    week = models.DateField(help_text=_("The Monday the period starts on."))
    p = models.IntegerField(default=0)
    a = models.IntegerField(default=0)
    l = models.IntegerField(default=0)  # noqa: E741 - the mark's own letter
    m = models.IntegerField(default=0)
    s = models.IntegerField(default=0)
    rgi = models.IntegerField(default=0)
    rgo = models.IntegerField(default=0)
    rri = models.IntegerField(default=0)
    rro = models.IntegerField(default=0)
    v = models.IntegerField(default=0)
    one_to_ones = models.IntegerField(default=0)
    # Whole cents: a region sums 750,000 of these, and a sum of numerics costs a third more.
    tyfcb_cents = models.BigIntegerField(default=0)
    ceu = models.IntegerField(default=0)
    t = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["chapter", "weeks", "week"])]

    def __str__(self) -> str:
        return f"member {self.member_id}, week of {self.week}"


class BniSnapshot(models.Model):
    """A chapter's PALMS Summary as BNI Connect exported it, for one window: the numbers the
    chapter had before it moved in, kept beside Slipstream's own count so the two can be
    compared cell by cell. Importing a summary for the same window replaces it."""

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="bni_snapshots")
    start = models.DateField()
    end = models.DateField()
    file_name = models.CharField(max_length=255, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-end", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["chapter", "start", "end"], name="one_bni_snapshot"),
            models.CheckConstraint(
                condition=models.Q(start__lte=models.F("end")), name="bni_snapshot_window"
            ),
        ]

    def __str__(self) -> str:
        return f"BNI Connect PALMS {self.chapter} {self.start}–{self.end}"


class BniSnapshotRow(models.Model):
    """One member's line of a BNI snapshot, in the PALMS columns (``reports.palms.COLUMNS``)."""

    snapshot = models.ForeignKey(BniSnapshot, on_delete=models.CASCADE, related_name="rows")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    #: The name as BNI Connect wrote it, whitespace collapsed.
    bni_name = models.CharField(max_length=240)
    p = models.PositiveIntegerField(default=0)
    a = models.PositiveIntegerField(default=0)
    l = models.PositiveIntegerField(default=0)  # noqa: E741 - the mark's own letter
    m = models.PositiveIntegerField(default=0)
    s = models.PositiveIntegerField(default=0)
    rgi = models.PositiveIntegerField(default=0)
    rgo = models.PositiveIntegerField(default=0)
    rri = models.PositiveIntegerField(default=0)
    rro = models.PositiveIntegerField(default=0)
    v = models.PositiveIntegerField(default=0)
    one_to_ones = models.PositiveIntegerField(default=0)
    tyfcb = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    ceu = models.PositiveIntegerField(default=0)
    t = models.PositiveIntegerField(default=0)

    #: Model field for each PALMS column.
    FIELDS = {
        **{mark: mark.lower() for mark in ("P", "A", "L", "M", "S")},
        **{flow: flow.lower() for flow in ("RGI", "RGO", "RRI", "RRO", "V")},
        "121": "one_to_ones",
        "TYFCB": "tyfcb",
        "CEU": "ceu",
        "T": "t",
    }

    class Meta:
        ordering = ["snapshot", "member"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "member"], name="one_bni_row_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.bni_name} in {self.snapshot}"

    def values(self) -> dict:
        return {column: getattr(self, name) for column, name in self.FIELDS.items()}
