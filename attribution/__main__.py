"""``python -m attribution`` and the ``attribution`` console script: the command-line interface
(see :mod:`attribution.cli`)."""
from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with every subcommand (``serve`` and ``api-key`` too) and return the exit status.

    The target of the ``attribution`` console script (pyproject.toml) and of ``python -m attribution``.
    """
    import attribution.api.commands  # noqa: F401 (registers `serve` and `api-key`, which sit above the CLI layer)
    from attribution.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
