"""``python -m busbar.datagen if021 ...``: the same as ``busbar datagen if021 ...``."""

import sys

from .cli import main

sys.exit(main())
