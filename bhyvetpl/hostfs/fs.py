"""Host files below a root, read and written without ever following a symlink below it.

A jail's root user owns everything under the jail's root: a symlink planted there
(`vms/.templates -> /etc`) must not turn a write of ours into a write outside it. So
every path is walked from the root one directory file descriptor at a time
(O_DIRECTORY|O_NOFOLLOW), temp files are created exclusively next to their target,
and renames work on directory descriptors. The root itself may be a symlink.
"""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath
from typing import TypeVar

from bhyvetpl.errors import BhyvetplError

PathT = TypeVar("PathT", bound=PurePath)

# Host files are not always UTF-8 (a Latin-1 comment in rc.conf): keep unknown bytes as
# they are, both when reading them and when writing the edited file back.
BYTES_AS_IS = "surrogateescape"
NEW_FILE_MODE = 0o644
# Temp names: `.NAME.bhyvetpl.RANDOM` next to NAME (the sh script uses `.NAME.bhyvetpl.PID`);
# `NAME.bhyvetpl.new` is what releases before 0.2 left. A run holding the lock sweeps both.
TEMP_INFIX = ".bhyvetpl."
LEGACY_TEMP_SUFFIX = ".bhyvetpl.new"
# One lock per host root, shared with the sh script: a directory (mkdir is atomic on every
# system; lockf(1) is FreeBSD only, flock(1) Linux only) holding the holder's pid.
LOCK_PATH = "/var/run/bhyvetpl.lock"
LOCK_WAIT = 600.0
LOCK_POLL = 0.1
# A lock directory without a pid file this long is stale (its holder died in between).
LOCK_NO_PID = 5.0
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class HostFSError(BhyvetplError):
    """A host path cannot be read or written safely (a symlink below the root, an I/O error)."""


class SymlinkError(HostFSError):
    """A component below the root is a symlink: refused, never followed."""

    def __init__(self, path: str) -> None:
        """Name the symlink."""
        self.path = path
        super().__init__(f"{path} is a symlink: refusing to follow it (below the root every "
                         "directory and file must be real)")


@dataclass(frozen=True, slots=True)
class HostFile:
    """A host file's exact bytes and permission bits."""

    data: bytes
    mode: int

    @property
    def text(self) -> str:
        """The bytes as text, unknown bytes and line ends kept exactly."""
        return self.data.decode("utf-8", BYTES_AS_IS)


def below(base: PathT, path: PurePosixPath | str) -> PathT:
    """An absolute path as seen below base: the host's root, or a jail's root on the host.

    Raises:
        HostFSError: The path is relative or has a `..` (it could leave base).
    """
    pure = PurePosixPath(path)
    if not pure.is_absolute() or ".." in pure.parts:
        raise HostFSError(f"{path}: not an absolute path without `..`")
    return base.joinpath(*pure.parts[1:])


def as_bytes(text: str) -> bytes:
    """Text back to the exact bytes it was read from."""
    return text.encode("utf-8", BYTES_AS_IS)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class HostFS:
    """Reads and writes below one root; nothing below it is followed if it is a symlink."""

    def __init__(self, root: Path) -> None:
        """Remember the root (absolute, normalised; it may itself be a symlink)."""
        self.root = Path(posixpath.normpath(root.absolute().as_posix()))
        self._locked = False

    # Paths.

    def place(self, path: PurePosixPath | str) -> Path:
        """An absolute host path placed below the root (`/etc/rc.conf` -> ROOT/etc/rc.conf).

        Raises:
            HostFSError: The path is relative or has a `..` (it could leave the root).
        """
        return below(self.root, path)

    def parts(self, path: Path) -> tuple[str, ...]:
        """The components of path below the root (at least one)."""
        normal = PurePosixPath(posixpath.normpath(path.as_posix()))
        try:
            rel = normal.relative_to(PurePosixPath(self.root.as_posix()))
        except ValueError:
            raise HostFSError(f"{path} is not below {self.root}") from None
        if not rel.parts or ".." in rel.parts:
            raise HostFSError(f"{path} is not below {self.root}")
        return rel.parts

    def _name(self, parts: tuple[str, ...]) -> str:
        return str(self.root.joinpath(*parts))

    # Walking.

    def _refuse_link(self, fd: int, name: str, parts: tuple[str, ...]) -> os.stat_result | None:
        """Look at name in fd (lstat); a symlink is refused; None when absent."""
        try:
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise HostFSError(f"cannot read {self._name(parts)}: {exc.strerror}") from exc
        if stat.S_ISLNK(info.st_mode):
            raise SymlinkError(self._name(parts))
        return info

    def _open_dir(self, parts: tuple[str, ...], create: bool) -> int | None:
        """A descriptor of root/parts, walked without following symlinks; None if absent."""
        try:
            if create:   # above the root is the admin's own: made like mkdir -p
                self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root, _DIR_FLAGS & ~os.O_NOFOLLOW)
        except OSError as exc:
            if exc.errno == errno.ENOENT and not create:
                return None
            raise HostFSError(f"cannot open {self.root}: {exc.strerror}") from exc
        for depth, name in enumerate(parts, start=1):
            try:
                try:
                    child = os.open(name, _DIR_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        os.close(fd)
                        return None
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(name, 0o755, dir_fd=fd)
                    child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                # ELOOP on Linux, EMLINK on FreeBSD, ENOTDIR for a file: look before saying.
                try:
                    self._refuse_link(fd, name, parts[:depth])
                finally:
                    os.close(fd)
                raise HostFSError(f"cannot open {self._name(parts[:depth])}: "
                                  f"{exc.strerror}") from exc
            os.close(fd)
            fd = child
        return fd

    def _make_dir(self, parts: tuple[str, ...]) -> int:
        """A descriptor of root/parts, creating missing directories (mode 0755)."""
        fd = self._open_dir(parts, create=True)
        if fd is None:   # pragma: no cover - create=True opens or raises
            raise HostFSError(f"cannot create {self._name(parts)}")
        return fd

    # Reading.

    def read(self, path: Path) -> HostFile | None:
        """The file's exact bytes and mode, or None when it (or a directory above) is absent.

        Raises:
            SymlinkError: A component below the root, or the file, is a symlink.
        """
        parts = self.parts(path)
        fd = self._open_dir(parts[:-1], create=False)
        if fd is None:
            return None
        try:
            if self._refuse_link(fd, parts[-1], parts) is None:
                return None
            try:
                file_fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK,
                                  dir_fd=fd)
            except FileNotFoundError:
                return None
            except OSError as exc:
                self._refuse_link(fd, parts[-1], parts)
                raise HostFSError(f"cannot read {path}: {exc.strerror}") from exc
            with os.fdopen(file_fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                if not stat.S_ISREG(info.st_mode):
                    raise HostFSError(f"cannot read {path}: not a regular file")
                return HostFile(handle.read(), stat.S_IMODE(info.st_mode))
        finally:
            os.close(fd)

    def read_text(self, path: Path) -> str | None:
        """The file's text (bytes and line ends kept exactly), or None when absent."""
        found = self.read(path)
        return None if found is None else found.text

    def listdir(self, path: Path) -> tuple[str, ...]:
        """The names in a directory, sorted; () when it is absent (symlinks refused)."""
        fd = self._open_dir(self.parts(path), create=False)
        if fd is None:
            return ()
        try:
            return tuple(sorted(os.listdir(fd)))  # noqa: PTH208 - a directory fd, not a path
        finally:
            os.close(fd)

    def is_dir(self, path: Path) -> bool:
        """Whether path is a real directory (a symlink below the root is refused)."""
        fd = self._open_dir(self.parts(path), create=False)
        if fd is None:
            return False
        os.close(fd)
        return True

    # Writing.

    def _sweep(self, fd: int, name: str) -> None:
        """Remove temp names a killed run left next to name (only while holding the lock)."""
        if not self._locked:
            return
        prefix = f".{name}{TEMP_INFIX}"
        for entry in os.listdir(fd):
            if entry.startswith(prefix) or entry == name + LEGACY_TEMP_SUFFIX:
                with contextlib.suppress(FileNotFoundError, IsADirectoryError,
                                         PermissionError):
                    os.unlink(entry, dir_fd=fd)

    def sweep(self, path: Path) -> None:
        """Remove the temp names a killed run left next to path (only while holding the lock)."""
        parts = self.parts(path)
        fd = self._open_dir(parts[:-1], create=False)
        if fd is not None:
            try:
                self._sweep(fd, parts[-1])
            finally:
                os.close(fd)

    def write(self, path: Path, data: bytes, mode: int = NEW_FILE_MODE) -> None:
        """Replace path by data atomically: an exclusive temp file, then a rename.

        Raises:
            SymlinkError: A component below the root, or path itself, is a symlink.
            HostFSError: The file cannot be written (then nothing changed).
        """
        parts = self.parts(path)
        fd = self._make_dir(parts[:-1])
        name = parts[-1]
        try:
            info = self._refuse_link(fd, name, parts)
            if info is not None and stat.S_ISDIR(info.st_mode):
                raise HostFSError(f"cannot write {path}: a directory is in the way")
            self._sweep(fd, name)
            temp = f".{name}{TEMP_INFIX}{os.urandom(4).hex()}"
            file_fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                              | getattr(os, "O_CLOEXEC", 0), 0o600, dir_fd=fd)
            try:
                with os.fdopen(file_fd, "wb") as handle:
                    handle.write(data)
                    os.fchmod(handle.fileno(), mode)
                    handle.flush()
                    os.fsync(handle.fileno())
                self._refuse_link(fd, name, parts)   # again, right before the rename
                os.rename(temp, name, src_dir_fd=fd, dst_dir_fd=fd)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp, dir_fd=fd)
                raise
        except OSError as exc:
            raise HostFSError(f"cannot write {path}: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)

    def remove(self, path: Path) -> None:
        """Remove the file path (a symlink below the root is refused, never followed)."""
        parts = self.parts(path)
        fd = self._open_dir(parts[:-1], create=False)
        if fd is None:
            return
        try:
            if self._refuse_link(fd, parts[-1], parts) is not None:
                os.unlink(parts[-1], dir_fd=fd)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise HostFSError(f"cannot remove {path}: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)

    def remove_dir(self, path: Path) -> bool:
        """Remove the directory when it is empty; False when something is left in it."""
        parts = self.parts(path)
        fd = self._open_dir(parts[:-1], create=False)
        if fd is None:
            return True
        try:
            child = self._open_dir(parts, create=False)
            if child is None:
                return True
            try:
                if os.listdir(child):   # noqa: PTH208 - a descriptor, not a path
                    return False
            finally:
                os.close(child)
            os.rmdir(parts[-1], dir_fd=fd)
        except OSError as exc:
            raise HostFSError(f"cannot remove {path}: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)
        return True

    # The lock.

    def _holder(self, fd: int, name: str) -> int | None:
        try:
            pid_fd = os.open(f"{name}/pid", os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
        except OSError:
            return None
        with os.fdopen(pid_fd, "rb") as handle:
            text = handle.read(32).strip()
        return int(text) if text.isdigit() else None

    def _break(self, fd: int, name: str, holder: int | None) -> None:
        """Remove a dead holder's lock; `NAME.break` keeps two breakers apart."""
        try:
            os.mkdir(f"{name}.break", 0o700, dir_fd=fd)
        except FileExistsError:
            return
        try:
            if self._holder(fd, name) == holder:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{name}/pid", dir_fd=fd)
                with contextlib.suppress(FileNotFoundError, OSError):
                    os.rmdir(name, dir_fd=fd)
        finally:
            os.rmdir(f"{name}.break", dir_fd=fd)

    @contextlib.contextmanager
    def lock(self, wait: float = LOCK_WAIT) -> Iterator[None]:
        """Hold ROOT/var/run/bhyvetpl.lock (the sh script takes the same one) while inside.

        A lock whose holder died (SIGKILL) is taken over; temp files that run left are
        swept by the writes of the run holding the lock.

        Raises:
            HostFSError: Another live run held it for `wait` seconds.
        """
        path = self.place(LOCK_PATH)
        parts = self.parts(path)
        fd = self._make_dir(parts[:-1])
        name = parts[-1]
        deadline, since_pid = time.monotonic() + wait, time.monotonic()
        try:
            while True:
                try:
                    os.mkdir(name, 0o700, dir_fd=fd)
                    break
                except FileExistsError:
                    pass
                self._refuse_link(fd, name, parts)
                holder = self._holder(fd, name)
                if holder is not None:
                    since_pid = time.monotonic()
                if (holder is not None and not _alive(holder)) or (
                        time.monotonic() - since_pid > LOCK_NO_PID):
                    self._break(fd, name, holder)
                    since_pid = time.monotonic()
                    continue
                if time.monotonic() > deadline:
                    raise HostFSError(f"{path} is held by another bhyvetpl run (pid "
                                      f"{holder or '?'}); try again when it has finished")
                time.sleep(LOCK_POLL)
            pid_fd = os.open(f"{name}/pid", os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | os.O_NOFOLLOW, 0o600, dir_fd=fd)
            with os.fdopen(pid_fd, "w") as handle:
                handle.write(f"{os.getpid()}\n")
            self._locked = True
            try:
                yield
            finally:
                self._locked = False
                with contextlib.suppress(OSError):
                    os.unlink(f"{name}/pid", dir_fd=fd)
                with contextlib.suppress(OSError):
                    os.rmdir(name, dir_fd=fd)
        except OSError as exc:
            raise HostFSError(f"cannot lock {path}: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)


class PlanningFS(HostFS):
    """A HostFS that only reads, each file once: what a plan is built from.

    A spec's plan reads the same jail.conf and devfs.rules for each of a jail's guests,
    and looks for a template in the same absent `.templates` for each; nothing writes
    while a plan is built, so the first answer holds until it is done. Writing is refused.
    """

    def __init__(self, root: Path) -> None:
        """Remember the root; nothing is read yet."""
        super().__init__(root)
        self._files: dict[Path, HostFile | None] = {}
        self._absent: set[tuple[str, ...]] = set()
        self._absent_dirs: set[Path] = set()   # the same, as paths: no parts() to compute
        self._places: dict[PurePosixPath | str, Path] = {}

    def place(self, path: PurePosixPath | str) -> Path:
        """As HostFS.place, computed once per path."""
        if path not in self._places:
            self._places[path] = super().place(path)
        return self._places[path]

    def read(self, path: Path) -> HostFile | None:
        """As HostFS.read, from the first read of path (a refusal is not kept: it recurs)."""
        if path not in self._files:
            self._files[path] = (None if path.parent in self._absent_dirs
                                 else super().read(path))
        return self._files[path]

    def _open_dir(self, parts: tuple[str, ...], create: bool) -> int | None:
        """As HostFS._open_dir; a directory found absent is not looked for again."""
        if create:
            raise HostFSError(f"cannot create {self._name(parts)}: planning writes nothing")
        if not any(parts[:depth] in self._absent for depth in range(1, len(parts) + 1)):
            fd = super()._open_dir(parts, create)
            if fd is not None:
                return fd
        self._absent.add(parts)
        self._absent_dirs.add(self.root.joinpath(*parts))
        return None

    def write(self, path: Path, data: bytes,  # noqa: ARG002 - HostFS.write's signature
              mode: int = NEW_FILE_MODE) -> None:  # noqa: ARG002
        """Refused: a plan is built from the host as it is."""
        raise HostFSError(f"cannot write {path}: planning writes nothing")

    def remove(self, path: Path) -> None:
        """Refused: a plan is built from the host as it is."""
        raise HostFSError(f"cannot remove {path}: planning writes nothing")

    def remove_dir(self, path: Path) -> bool:
        """Refused: a plan is built from the host as it is."""
        raise HostFSError(f"cannot remove {path}: planning writes nothing")


def digest(directory: Path) -> str:
    """A sha256 over every file below directory (names and bytes), for template stamps.

    Symlinks are hashed as their target text, never followed (the directory may be
    inside a jail).
    """
    found: list[Path] = []
    try:
        for top, dirs, files in os.walk(directory):
            dirs.sort()
            found += [Path(top, name) for name in files]
        import hashlib  # only digests need it: kept off the start-up path of render

        result = hashlib.sha256()
        for path in sorted(found):
            result.update(str(path.relative_to(directory)).encode() + b"\0")
            if path.is_symlink():
                result.update(b"-> " + os.fsencode(str(path.readlink())) + b"\0")
                continue
            file_fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(file_fd, "rb") as handle:
                result.update(handle.read() + b"\0")
    except OSError as exc:
        raise HostFSError(f"cannot read {directory}: {exc.strerror or exc}") from exc
    return result.hexdigest()
