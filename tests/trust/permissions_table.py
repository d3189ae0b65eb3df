"""The permission table of ``docs/security.md``, generated from the matrix the suite enforces.

``DJANGO_SETTINGS_MODULE=tests.settings python -m tests.trust.permissions_table`` prints it;
``test_security_readme`` fails when ``docs/security.md`` no longer matches.
"""

from tests.test_permission_matrix import LOGIN, MATRIX, PERSONAS

NAMES = {
    "anonymous": "Anonymous",
    "member": "Member",
    "outsider": "Other chapter",
    "vice_president": "Vice-president",
    "president": "President",
    "membership_committee": "Membership committee",
    "staff": "Staff",
}
#: Answers that mean "allowed" (400: allowed, but the empty test request was refused as input).
ALLOWED = {200, 302, 400}


def _cell(spec: dict, persona: str) -> str:
    """Which methods the persona may use, "log in", or "—" (403, or 404 for another chapter)."""
    codes = {m: spec[m][persona] for m in ("get", "post") if persona in spec.get(m, {})}
    allowed = [m.upper() for m, code in codes.items() if code in ALLOWED]
    if allowed:
        return " + ".join(allowed)
    return "log in" if LOGIN in codes.values() else "—"


def table() -> str:
    lines = [
        "| Page (URL name) | " + " | ".join(NAMES[p] for p in PERSONAS) + " |",
        "|---|" + "---|" * len(PERSONAS),
    ]
    for name in sorted(MATRIX):
        lines.append(f"| `{name}` | " + " | ".join(_cell(MATRIX[name], p) for p in PERSONAS) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table(), end="")
