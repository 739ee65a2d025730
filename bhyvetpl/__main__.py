"""Allow ``python -m bhyvetpl``."""

from bhyvetpl.entry import main

main()
