#!/bin/sh
# Stand-in bhyvetpl for the Bastille plugin tests: writes its argv to $ARGV_LOG,
# each argument followed by a NUL byte, so spaces, quotes and newlines survive.
for arg in "$@"; do printf '%s\0' "$arg"; done > "$ARGV_LOG"
