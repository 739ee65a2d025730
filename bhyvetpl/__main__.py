"""Allow ``python -m bhyvetpl``."""

from bhyvetpl.cli.entry import main

main()
