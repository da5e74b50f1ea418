"""Demo test assurance (``busbar serve --demo``): the MHHS programme's SIT as a new user meets it.

Data in :mod:`.data` (organisations, people, requirements, scenarios, testing issues, gates), played
through the real actions by :mod:`.play`, back-dated so that "now" is always week 7 of SIT Functional.
Loading twice changes nothing: the programme's existence is the guard.
"""

from busbar.testing.demo.play import load

__all__ = ["load"]
