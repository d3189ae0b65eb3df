import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of the person making ``request``, for every limit counted per address.

    Behind ``TRUSTED_PROXY_HOPS`` proxies (the setting ``ALLAUTH_TRUSTED_PROXY_COUNT``), each
    of which appends the address it was reached from to ``X-Forwarded-For``, the client is that
    many entries from the header's end; whatever a phone writes into the header itself sits
    further left and is never read. A header shorter than that was written by our proxies
    alone (the request came in past the outer ones), so its first entry is the client. With
    no proxy (0) or no header, the connection's own address.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.ALLAUTH_TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("x-forwarded-for", "")
    if not hops or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",")]
    chosen = entries[-min(hops, len(entries))]
    try:
        return str(ipaddress.ip_address(chosen))
    except ValueError:  # not an address: a proxy of ours would not write that
        return remote


class AccountAdapter(DefaultAccountAdapter):
    """Members are added by their chapter, never by signing themselves up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's rate limits count per address through this: the same as ours."""
        return client_ip(request)
