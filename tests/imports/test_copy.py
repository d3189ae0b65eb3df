"""On PostgreSQL new rows go in with ``COPY`` (binary, or text when a value needs it); it
must store exactly what ``bulk_create`` stores, and a row the database refuses must still be
named by its line. A bad row deep in a large file is named, and nothing is stored."""

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from meetings.models import Attendance, Meeting, Visit, Visitor
from members import importing
from members.models import Chapter, Classification, Member, MemberStatusChange, Role, User
from referrals import importers as slip_importers
from referrals import models as slips
from referrals.models import Ceu, OneToOne, Referral, ReferralStatusChange, Tyfcb
from tests.imports.generate import write_chapter

pytestmark = pytest.mark.django_db

RIVERSIDE = Path(__file__).resolve().parent.parent / "data" / "riverside"
MODELS = (Chapter, User, Classification, Member, MemberStatusChange, Role, Meeting, Attendance,
          Visitor, Visit, Referral, ReferralStatusChange, Tyfcb, OneToOne, Ceu,
          slips.Testimonial)  # fmt: skip


def stored(since: dt.datetime) -> dict[str, list[dict]]:
    """Every row of every imported table, in primary-key order, with ids as positions (so two
    imports compare whatever the sequences handed out) and "now" for stamps of the import."""
    position = {
        model: {
            pk: i for i, pk in enumerate(model.objects.order_by("pk").values_list("pk", flat=True))
        }
        for model in MODELS
    }
    out = {}
    for model in MODELS:
        rows = []
        for row in model.objects.order_by("pk").values():
            for f in model._meta.concrete_fields:
                value = row[f.attname]
                if f.primary_key:
                    value = position[model][value]
                elif f.is_relation and value is not None and f.related_model in position:
                    value = ("->", position[f.related_model][value])
                elif isinstance(value, dt.datetime) and value >= since:
                    value = "now"
                elif f.attname == "password":
                    value = value[:1]  # "!" for an unusable one; the rest is random
                elif f.attname in {"revision", "roster_revision"}:
                    value = "moved" if value else value  # a timestamp the database stamped
                row[f.attname] = value
            rows.append(row)
        out[model.__name__] = rows
    return out


class Rollback(Exception):
    pass


def import_and_read(directory: Path, slug: str) -> tuple[list[str], dict]:
    """Import ``directory``, read everything back, and roll it all back."""
    try:
        with transaction.atomic():
            since = timezone.now()
            out = io.StringIO()
            call_command("import_chapter", slug, str(directory), stdout=out)
            result = (out.getvalue().splitlines()[:-1], stored(since))  # less the timing
            raise Rollback
    except Rollback:
        return result


@pytest.mark.postgres
@pytest.mark.parametrize("data", ["riverside", "generated"])
def test_copy_stores_exactly_what_bulk_create_stores(data, tmp_path, monkeypatch):
    if data == "riverside":
        directory, slug = RIVERSIDE, "riverside"
    else:
        write_chapter(tmp_path, members=12, weeks=10)
        with (tmp_path / "testimonials.csv").open("a", newline="", encoding="utf-8") as out:
            csv.writer(out, lineterminator="\n").writerows([
                ["2022-01-04", "m001@gen.test", "m002@gen.test",
                 "Line 1\nLine 2\tTabbed \\ back\\slash \\N «ünïcödé» 🎉 \"quoted\""],
                ["2022-01-04", "m002@gen.test", "m003@gen.test", "'=SUM(A1) ,comma\r\n"],
            ])  # fmt: skip
        directory, slug = tmp_path, "gen"
    copied = []
    real_copy = importing._copy_rows
    monkeypatch.setattr(
        importing,
        "_copy_rows",
        lambda c, model, rows: (copied.append(model), real_copy(c, model, rows)),
    )
    binary = import_and_read(directory, slug)
    slip_models = {Referral, ReferralStatusChange, Tyfcb, OneToOne, Ceu, slips.Testimonial}
    assert {Attendance, *slip_models} <= set(copied)
    monkeypatch.setattr(importing, "_binary_dumps", lambda oid, kinds: False)
    text = import_and_read(directory, slug)
    monkeypatch.setattr(importing, "_copyable", lambda model: False)
    bulk = import_and_read(directory, slug)
    assert binary[0] == text[0] == bulk[0]  # the same summary
    for name in bulk[1]:
        assert binary[1][name] == bulk[1][name], name
        assert text[1][name] == bulk[1][name], name
    assert len(bulk[1]["Attendance"]) > 50
    if data == "generated":
        texts = [row["text"] for row in bulk[1]["Testimonial"]]
        assert 'Line 1\nLine 2\tTabbed \\ back\\slash \\N «ünïcödé» 🎉 "quoted"' in texts
        assert "=SUM(A1) ,comma" in texts


@pytest.mark.postgres
def test_a_row_the_database_refuses_is_found_and_named_by_its_line(tmp_path, monkeypatch):
    """Python lets through a row a constraint forbids (as if a check were missing: another
    chapter's name beside a giver who is a member): the COPY fails in its savepoint, the rows
    are tried one by one, and the problem names the line."""
    shutil.copytree(RIVERSIDE, tmp_path / "riverside")
    real_parse = slip_importers.ReferralsCsv.parse

    def parse(self, ctx, row):
        key, values = real_parse(self, ctx, row)
        if key[-1] == "Quinn Quade":  # the contact, last of the natural key
            values["other_chapter_name"] = "BNI Elsewhere"
        return key, values

    monkeypatch.setattr(slip_importers.ReferralsCsv, "parse", parse)
    line = next(
        n
        for n, text in enumerate((tmp_path / "riverside" / "referrals.csv").open(), start=1)
        if "Quinn Quade" in text
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_chapter", "riverside", str(tmp_path / "riverside"), stderr=err)
    assert err.getvalue().startswith(f"referrals.csv:{line}: ")
    assert "referral_other_chapter_with_name" in err.getvalue()
    assert not Referral.objects.exists() and not Chapter.objects.exists()


def test_a_bad_row_deep_in_a_large_file_is_named_and_nothing_is_stored(tmp_path):
    counts = write_chapter(tmp_path, members=12, weeks=260)  # 3,120 marks, ~2,500 referrals
    assert counts["attendance.csv"] > 3000
    lines = (tmp_path / "attendance.csv").read_text().splitlines()
    date, email, _, _ = lines[3000].split(",")
    lines[3000] = f"{date},{email},X,"
    (tmp_path / "attendance.csv").write_text("\n".join(lines) + "\n")
    with (tmp_path / "referrals.csv").open("a") as out:
        out.write("2026-01-06,m001@gen.test,m001@gen.test,inside,Me Myself,,,1,new\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_chapter", "gen", str(tmp_path), stderr=err)
    assert err.getvalue().splitlines() == [
        "attendance.csv:3001: mark 'X' is not one of P, A, L, M, S",
        f"referrals.csv:{counts['referrals.csv'] + 2}: giver_email and receiver_email are the "
        "same member (m001@gen.test)",
    ]
    for model in MODELS:
        assert not model.objects.exists(), model.__name__
