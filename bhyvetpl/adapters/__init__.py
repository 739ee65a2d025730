"""Argv builders and the one runner that starts processes."""
