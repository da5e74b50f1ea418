"""Demo change co-ordination (``busbar serve --demo``): the CCG, notice rules, windows, targets,
subscriptions, CCG meetings and 30 Change Notifications across the providers and every state, around the
day the demo is loaded.

Data for the set-up in :mod:`.data`; the stories played through the real actions, back-dated, by
:mod:`.play` (on :mod:`.story`). Loading twice changes nothing.
"""

from busbar.changes.demo.play import load

__all__ = ["load"]
