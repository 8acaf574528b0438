"""``python -m stunting ...``: see ``stunting.cli``."""

import sys

from stunting.cli import main

sys.exit(main())
