from django.db import models

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
    weeks = models.PositiveSmallIntegerField(help_text="1, or 4: a period of four weeks.")
    week = models.DateField(help_text="The Monday the period starts on.")
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
