"""The command line: flags into option objects, one call per command, one error boundary.

Kept empty so that the console entry (bhyvetpl.cli.entry) imports only the command named;
the whole app is bhyvetpl.cli.app.
"""
