"""Print ``var/bench/results.json`` as the Markdown tables of the README's Performance section."""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "var" / "bench" / "results.json"
#: The issue's president's pages, "PALMS, grid, matrix, chapter page": the attendance grid is
#: the take-attendance page (only the president and vice-president take attendance).
PRESIDENTS = {
    "president's chapter page",
    "PALMS (6 months)",
    "traffic lights",
    "attendance review",
    "take attendance (GET)",
    "take attendance (mark POST)",
}
HEADER = (
    "| page | c1 p50 ms | c1 p50 ms, drawn afresh | c50 p95 ms | c50 req/s "
    "| floor run before it: c50 p95 ms, req/s | × floor (p95, c50) | × floor (req/s, c50) "
    "| target | queries (smallest / largest) |"
)


def burst_table(burst: dict) -> None:
    print(
        f"{burst['chapters']} chapters meeting at once, {burst['people']} people on "
        f"{burst['clients']} clients, played {burst['bursts']} times by other chapters, with "
        f"the floor at {burst['clients']} clients measured before, between and after:"
    )
    print()
    print("| burst | requests | seconds | req/s | floor before: p95 ms, req/s "
          "| floor after: p95 ms, req/s |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    for i, run in enumerate(burst["runs"]):
        before, after = burst["floor_c50"][i : i + 2]
        print(
            f"| {i + 1} | {run['requests']:,} | {run['seconds']} | {run['rps']} "
            f"| {before['p95_ms']}, {before['rps']} | {after['p95_ms']}, {after['rps']} |"
        )
    print()
    print(
        "| request | n | p50 ms | p95 ms | max ms | × floor (p95), median | each burst's "
        "| target | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, row in burst["kinds"].items():
        verdict = "" if row["pass"] else " **missed**"
        each = ", ".join(str(r) for r in row["ratios_p95"])
        print(
            f"| {kind} | {row['requests']} | {row['p50_ms']} | {row['p95_ms']} "
            f"| {row['max_ms']} | {row['ratio_p95']}{verdict} | {each} | ≤ {row['target']}× "
            f"| {row['errors']} |"
        )
    cpu, floor_cpu = burst["cpu_ms_per_request"], burst["floor_cpu_ms_per_request"]
    print()
    print("| CPU per request | the bursts | the floor (median of its runs) |")
    print("|---|---:|---:|")
    for side, label in (
        ("workers", "web workers"),
        ("database", "PostgreSQL backends"),
        ("driver", "the load driver"),
    ):
        print(f"| {label} | {cpu[side]} ms | {floor_cpu[side]} ms |")
    print()
    for target, ok in burst["targets"].items():
        print(f"- {'✓' if ok else '✗ missed:'} {target}")


def phone_table(phone: dict) -> None:
    if "skipped" in phone:
        print(f"Skipped: {phone['skipped']}.")
        return
    print(
        "| page | LCP cold ms | LCP warm ms | cold: requests / over the network / KB "
        "| warm: requests / over the network / KB | render-blocking |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for row in phone["pages"]:
        c, w = row["cold"], row["warm"]
        print(
            f"| {row['page']} | {c['lcp_ms']} | {w['lcp_ms']} "
            f"| {c['requests']} / {c['network_requests']} / {c['bytes'] / 1024:.1f} "
            f"| {w['requests']} / {w['network_requests']} / {w['bytes'] / 1024:.1f} "
            f"| {len(c['render_blocking'])} |"
        )
    print()
    for target, ok in phone["targets"].items():
        print(f"- {'✓' if ok else '✗ missed:'} {target}")


def main() -> None:
    results = json.loads((Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS).read_text())
    if "burst" in results:
        print("The meeting burst:")
        print()
        burst_table(results["burst"])
        print()
    if "phone" in results:
        print("A phone on a slow network:")
        print()
        phone_table(results["phone"])
        print()
    if "pages" not in results:
        return
    print(HEADER)
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in results["pages"]:
        target = "—" if p["page"] == "floor" else ("≤ 6×" if p["page"] in PRESIDENTS else "≤ 3×")
        q = p.get("queries") or {}
        queries = f"{q.get('smallest', '—')} / {q.get('largest', '—')}"
        beside = p.get("floor_c50")
        floor = f"{beside['p95_ms']}, {beside['rps']}" if beside else "median of 12 runs"
        afresh = p["c1_afresh"]["p50_ms"] if "c1_afresh" in p else "—"
        print(
            f"| {p['page']} | {p['c1']['p50_ms']} | {afresh} | {p['c50']['p95_ms']} "
            f"| {p['c50']['rps']} "
            f"| {floor} | {p['ratio_p95_c50']} | {p['ratio_rps_c50']} | {target} | {queries} |"
        )
    c = results.get("commands")
    if c is None:
        return
    runs = c.get("import_rows_per_s_runs")  # one run before 2026-12
    # Each measure with its result, its target and whether the result meets it.
    rows = [
        (
            "`palms` for one chapter (6 months), median",
            f"{c['palms_chapter_ms']} ms",
            "≤ 150 ms",
            c["palms_chapter_ms"] <= 150,
        ),
        (
            "`palms` for the whole region, median",
            f"{c['palms_region_ms']} ms",
            "≤ 3,000 ms",
            c["palms_region_ms"] <= 3000,
        ),
        (
            "reminder sweeps over every member, median",
            f"{c['reminder_sweeps_ms']} ms ({c['reminder_sweeps_members_per_s']} members/s)",
            "≤ 30,000 ms",
            c["reminder_sweeps_ms"] <= 30000,
        ),
        (
            f"`import_chapter`, {c['import_rows']} rows"
            + (f", median of {len(runs)}" if runs else ""),
            f"{c['import_rows_per_s']} rows/s"
            + (f" ({', '.join(f'{r:,}' for r in runs)})" if runs else ""),
            "≥ 20,000 rows/s",
            c["import_rows_per_s"] >= 20000,
        ),
    ]
    rows += [
        (
            f"a BNI Connect slips audit of 5,000 rows read ({form}), median",
            f"{c[key]} ms",
            "< 2,000 ms",
            c[key] < 2000,
        )
        for form, key in (
            ("SpreadsheetML 2003", "bni_audit_5000_rows_spreadsheetml_ms"),
            (".xlsx", "bni_audit_5000_rows_xlsx_ms"),
        )
        if key in c
    ]
    print()
    print("| measure | result | target |")
    print("|---|---:|---:|")
    for measure, result, target, met in rows:
        print(f"| {measure} | {result}{'' if met else ' **missed**'} | {target} |")
    d, machine = results["dataset"], results["machine"]
    print()
    print(
        f"Dataset: {d['chapters']} chapters, {d['rows']['members']} members, "
        f"{d['total_rows']:,} rows (loaded at {d['rows_per_second']:,} rows/s); "
        f"{machine['cores']} cores, Python {machine['python']}."
    )


if __name__ == "__main__":
    main()
