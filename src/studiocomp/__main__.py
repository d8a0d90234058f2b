"""``python -m studiocomp``: the same command line as ``studiocomp``."""

import sys

from .cli import main

sys.exit(main())
