"""Write a chapter's import directory of any size, deterministically, for speed runs.

``python -m tests.imports.generate DIR --members 80 --weeks 200`` writes every DOMAIN.md file
(about 50,000 rows at that size). Used by the tests in ``tests/imports`` at small sizes and
by hand to measure rows per second.
"""

import argparse
import csv
import datetime as dt
import random
from pathlib import Path

FIRST = ["Ada", "Ben", "Cara", "Dev", "Ema", "Finn", "Gita", "Hal", "Isla", "Jon", "Kai", "Lea"]
LAST = ["Shah", "Okafor", "Lindqvist", "Murphy", "Novak", "Price", "Quinn", "Rossi", "Tan"]
HEADERS = {
    "roster.csv": ["email", "first_name", "last_name", "company", "classification", "phone",
                   "joined_on", "left_on", "renewal_due", "status", "roles"],
    "attendance.csv": ["meeting_date", "member_email", "mark", "substitute_name"],
    "referrals.csv": ["date", "giver_email", "receiver_email", "kind", "contact_name",
                      "contact_phone", "contact_email", "temperature", "status", "other_name",
                      "other_chapter"],
    "tyfcb.csv": ["date", "from_email", "to_email", "amount", "business", "other_name",
                  "other_chapter"],
    "one_to_ones.csv": ["date", "member_a_email", "member_b_email", "status", "other_name",
                        "other_chapter"],
    "visitors.csv": ["meeting_date", "name", "email", "company", "invited_by_email"],
    "ceus.csv": ["date", "member_email", "credits", "topic"],
    "testimonials.csv": ["date", "giver_email", "receiver_email", "text"],
}  # fmt: skip


def write_chapter(
    directory: Path,
    *,
    members: int = 80,
    weeks: int = 200,
    first_meeting: dt.date = dt.date(2022, 1, 4),
    seed: int = 1,
    domain: str = "gen.test",
) -> dict[str, int]:
    """Write the files into ``directory``; return the number of data rows per file.

    A few slips name someone outside Slipstream, as real chapters' do: a referral received
    from outside, a thank-you from an unknown writer or to a former member, a 1-2-1 with a
    visitor (drawn from a second generator, so the rest of the files stay as they were)."""
    rng = random.Random(seed)
    beyond = random.Random(seed + 1)
    directory.mkdir(parents=True, exist_ok=True)
    emails = [f"m{i:03d}@{domain}" for i in range(members)]
    rows: dict[str, list[list]] = {name: [] for name in HEADERS}
    for i, email in enumerate(emails):
        rows["roster.csv"].append([
            email, FIRST[i % len(FIRST)], f"{LAST[i % len(LAST)]}{i}", f"Firm {i}",
            f"Trade {i}", "", first_meeting.isoformat(), "", "", "active", "",
        ])  # fmt: skip
    for week in range(weeks):
        day = first_meeting + dt.timedelta(weeks=week)
        iso = day.isoformat()
        for email in emails:
            mark = rng.choices("PALMS", weights=[80, 6, 6, 4, 4])[0]
            rows["attendance.csv"].append([iso, email, mark, "Sub Stitute" if mark == "S" else ""])
            if rng.random() < 0.8:
                receiver = rng.choice([e for e in emails if e != email])
                kind, contact = rng.choice(["inside", "outside"]), f"Contact {week}-{email}"
                temperature, status = (
                    rng.randint(1, 5),
                    rng.choice(["new", "contacted", "won", "lost"]),
                )
                row = [iso, email, receiver, kind, contact, "", "", temperature, status, "", ""]
                if beyond.random() < 0.02:  # received from someone outside Slipstream
                    row[1], row[9], row[10] = "", f"Giver {week}", "BNI Elsewhere"
                rows["referrals.csv"].append(row)
            if rng.random() < 0.5:
                rows["ceus.csv"].append([iso, email, rng.randint(1, 3), f"Topic {week}"])
            if rng.random() < 0.15:
                thanked = rng.choice([e for e in emails if e != email])
                amount = f"{rng.randint(100, 500_000) / 100:.2f}"
                row = [iso, email, thanked, amount, "new", "", ""]
                roll = beyond.random()
                if roll < 0.03:  # an unknown writer thanks the member
                    row[1], row[2] = "", email
                elif roll < 0.05:  # the member thanks a former member
                    row[2], row[5] = "", f"Former member {week}"
                rows["tyfcb.csv"].append(row)
            if rng.random() < 0.1:
                receiver = rng.choice([e for e in emails if e != email])
                rows["testimonials.csv"].append([iso, email, receiver, f"Great work {week}"])
        for pair in range(members // 2):
            a, b = emails[2 * pair], emails[(2 * pair + 1 + week) % members]
            if a != b and beyond.random() < 0.02:  # with a visitor instead
                rows["one_to_ones.csv"].append([iso, a, "", "done", f"Visitor {week}", ""])
            elif a != b:
                rows["one_to_ones.csv"].append([iso, a, b, "done", "", ""])
        for v in range(2):
            n = week * 2 + v
            rows["visitors.csv"].append([
                iso, f"Guest {n}", f"guest{n}@visit.test", "", rng.choice(emails),
            ])  # fmt: skip
    for name, header in HEADERS.items():
        with (directory / name).open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows[name])
    return {name: len(data) for name, data in rows.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--members", type=int, default=80)
    parser.add_argument("--weeks", type=int, default=200)
    parser.add_argument("--domain", default="gen.test", help="of the members' emails")
    args = parser.parse_args()
    counts = write_chapter(
        args.directory, members=args.members, weeks=args.weeks, domain=args.domain
    )
    print(counts, sum(counts.values()))
