"""The host's files: read and written below a root without following symlinks, and parsed.

`fs` holds HostFS, the one way to a host file; the other modules are the parsers of the
host's file formats, pure functions over text.
"""

from bhyvetpl.hostfs.fs import (
    BYTES_AS_IS,
    LOCK_PATH,
    NEW_FILE_MODE,
    HostFile,
    HostFS,
    HostFSError,
    PlanningFS,
    SymlinkError,
    as_bytes,
    below,
    digest,
)

__all__ = ["BYTES_AS_IS", "LOCK_PATH", "NEW_FILE_MODE", "HostFS", "HostFSError", "HostFile",
           "PlanningFS", "SymlinkError", "as_bytes", "below",
           "digest"]
