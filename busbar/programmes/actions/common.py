"""The shared helpers of the programme-governance actions (they live in :mod:`busbar.programmes.checks`:
every public function defined in an actions module must be an ``@action``)."""

from busbar.programmes.checks import check_date, clean_text, journal

__all__ = ["check_date", "clean_text", "journal"]
