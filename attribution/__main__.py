"""``python -m attribution``: the command-line interface (see :mod:`attribution.cli`)."""
import attribution.api.commands  # noqa: F401 (registers `serve` and `api-key`, which sit above the CLI layer)
from attribution.cli import main

raise SystemExit(main())
