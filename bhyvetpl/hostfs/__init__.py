"""The host's files: reading them below a root, and one parser for each of their formats."""
