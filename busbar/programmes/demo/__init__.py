"""Demo programme governance (``busbar serve --demo``): the MHHS programme's plan, RAID log, groups and
meetings, action log, decisions, change requests and readiness assessment, as a new user meets them.

Data in :mod:`.data`, played through the real actions by :mod:`.play` (and :mod:`.story` for the
participants' side) after the testing demo, back-dated so that TMAG #20 is always a few days ahead.
Loading twice changes nothing: the programme's governance settings are the guard.
"""

from busbar.programmes.demo.play import load

__all__ = ["load"]
