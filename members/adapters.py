from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Members are added by their chapter, never by signing themselves up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
