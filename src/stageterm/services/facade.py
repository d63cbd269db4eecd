"""`Services`: every use case a terminal or the command line may ask of the site, in one object."""

from stageterm.services.accounts import AccountsMixin
from stageterm.services.report import StagingReport
from stageterm.services.status import StatusMixin
from stageterm.services.views import ViewsMixin


class Services(AccountsMixin, StatusMixin, ViewsMixin):
    """Everything a terminal or the command line may ask of the site."""

    @property
    def staging_report(self) -> StagingReport:
        """Staging health over a window, from the event log (`stageterm report`)."""
        return StagingReport(self.store, self.clock)
