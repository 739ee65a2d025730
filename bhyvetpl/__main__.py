"""Allow ``python -m bhyvetpl``."""

from bhyvetpl.cli import main

main()
