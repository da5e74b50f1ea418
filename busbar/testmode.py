"""Test mode for the test suite: pytest loads this plugin before Django's settings (``-p busbar.testmode``
in pyproject.toml), so the suite runs with ``BUSBAR_TESTING`` on, the one setting that decides test mode.

Processes the suite starts (served tests, ``busbar check`` probes) get environments of their own and run
as they would in production.
"""

import os

os.environ["BUSBAR_TESTING"] = "true"
