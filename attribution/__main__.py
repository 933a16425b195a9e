"""``python -m attribution``: the command-line interface (see :mod:`attribution.cli`)."""
from attribution.cli import main

raise SystemExit(main())
