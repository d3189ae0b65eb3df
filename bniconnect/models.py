"""What the BNI Connect import keeps: the chapter's aliases for names that are not spelt as in
Slipstream, and uploaded files waiting for their confirm."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import Chapter, Member


def name_key(name: str) -> str:
    """A name as the import compares it: whitespace collapsed, case ignored (DOMAIN.md)."""
    return " ".join(name.split()).casefold()


class Alias(models.Model):
    """A name BNI Connect writes for someone, and who that is here: a member (of this chapter
    or another), or ``outside`` (no member: kept as a name on the slip). Saved from the
    import's preview, or read from an ``--aliases`` file; never guessed."""

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="bni_aliases")
    bni_name = models.CharField(max_length=240)
    #: ``name_key(bni_name)``: what a row's name is looked up by.
    key = models.CharField(max_length=240, editable=False)
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["chapter", "key"]
        verbose_name_plural = _("aliases")
        constraints = [
            models.UniqueConstraint(fields=["chapter", "key"], name="one_bni_alias_per_name"),
            models.CheckConstraint(condition=~Q(key=""), name="bni_alias_named"),
        ]

    def __str__(self) -> str:
        return f"{self.bni_name} → {self.member or gettext('outside')}"

    def save(self, *args, **kwargs):
        self.bni_name = " ".join(self.bni_name.split())
        self.key = name_key(self.bni_name)
        super().save(*args, **kwargs)


class PendingImport(models.Model):
    """Files uploaded for an import, kept between the preview and the confirm: the confirm
    runs on these bytes, never on anything posted back. Its uploader's alone; it expires."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    #: The options of ``import_bni``: the audit's day, the summary's window.
    day = models.DateField(null=True, blank=True)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"BNI Connect files for {self.chapter} ({self.created_at:%Y-%m-%d %H:%M})"


class PendingFile(models.Model):
    pending = models.ForeignKey(PendingImport, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    data = models.BinaryField()

    class Meta:
        ordering = ["pending", "pk"]

    def __str__(self) -> str:
        return self.name
