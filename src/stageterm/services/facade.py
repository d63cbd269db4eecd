"""`Services`: every use case a terminal or the command line may ask of the site, in one object."""

from stageterm.services.accounts import AccountsMixin
from stageterm.services.status import StatusMixin
from stageterm.services.views import ViewsMixin


class Services(AccountsMixin, StatusMixin, ViewsMixin):
    """Everything a terminal or the command line may ask of the site."""
