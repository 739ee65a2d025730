"""bhyvetpl: bhyve guests in FreeBSD jails, rendered from one validated model."""

__version__ = "0.1.0"
