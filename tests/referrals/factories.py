"""Helpers that build many slips at once for the query-count tests."""

import datetime as dt

from tests.factories import CeuFactory, OneToOneFactory, ReferralFactory, TyfcbFactory


def many_slips(member, others, count, today):
    """``count`` slips naming ``member``, spread over the kinds and the last few weeks."""
    for i in range(count):
        other = others[i % len(others)]
        day = today - dt.timedelta(days=i % 60)
        kind = i % 5
        if kind == 0:
            ReferralFactory(giver=member, receiver=other, date=day)
        elif kind == 1:
            ReferralFactory(giver=other, receiver=member, date=day)
        elif kind == 2:
            TyfcbFactory(writer=member, thanked=other, date=day)
        elif kind == 3:
            OneToOneFactory(member_a=member, member_b=other, date=today - dt.timedelta(days=i))
        else:
            CeuFactory(member=member, date=day, topic=f"Topic {i}")
