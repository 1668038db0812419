"""Reading specs with a bound, writing outputs without losing work: atomic replace, and never
over an input spec."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "MAX_SPEC_BYTES",
    "NotRegularFileError",
    "OverwriteInputError",
    "ReadOnlyFileError",
    "TooLargeError",
    "WriteError",
    "read_bounded",
    "read_stream_bounded",
    "rewrite",
    "write_atomic",
]

MAX_SPEC_BYTES = 1 << 20


class NotRegularFileError(OSError):
    """A path that names a device, a FIFO, a socket or a folder: reading it could never end
    (``/dev/zero``) or wait forever (a FIFO with no writer)."""

    def __init__(self, path: str | Path, kind: str) -> None:
        super().__init__(f"{path} is {kind}, not a regular file")
        self.kind = kind


class WriteError(OSError):
    """An output that could not be written (a read-only folder, a full disk): its sentence
    names the file.

    >>> str(WriteError(28, "No space left on device", "run/last.pt"))
    'cannot write run/last.pt: No space left on device'
    """

    def __str__(self) -> str:
        return f"cannot write {self.filename}: {self.strerror}"


class TooLargeError(ValueError):
    """More bytes than the limit; ``size`` is the file's size, or None for a stream (only
    ``limit + 1`` bytes were read)."""

    def __init__(self, size: int | None, limit: int) -> None:
        super().__init__(f"over the limit of {limit} bytes")
        self.size = size
        self.limit = limit


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _read_up_to(fd: int, count: int) -> bytes:
    chunks: list[bytes] = []
    left = count
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_bounded(path: str | Path, limit: int = MAX_SPEC_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. Anything else raises before a
    byte is read: :class:`NotRegularFileError` for devices, FIFOs (opened without blocking,
    so one with no writer cannot hang), sockets and folders; :class:`TooLargeError` past the
    limit (never more than ``limit + 1`` bytes are read, even from a file that grows).

    >>> read_bounded("/dev/zero")
    Traceback (most recent call last):
    ...
    jumpdsl.fileio.NotRegularFileError: /dev/zero is a character device, not a regular file
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFileError(path, _kind(info.st_mode))
        if info.st_size > limit:
            raise TooLargeError(info.st_size, limit)
        data = _read_up_to(fd, limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise TooLargeError(None, limit)
    return data


def read_stream_bounded(stream: BinaryIO, limit: int = MAX_SPEC_BYTES) -> bytes:
    """At most ``limit`` bytes from a stream (stdin); :class:`TooLargeError` when it holds
    more (``limit + 1`` bytes are read to know, never the rest).

    >>> import io
    >>> read_stream_bounded(io.BytesIO(b"abc"), 3)
    b'abc'
    """
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLargeError(None, limit)
    return data


class OverwriteInputError(ValueError):
    """An output path that is one of the input specs."""


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(
    path: str | Path,
    data: bytes,
    *,
    inputs: Iterable[str | Path] = (),
    like: os.stat_result | None = None,
) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: readers see the old
    file or the new one, never half of one, and a failure leaves no partial file. The new
    file gets the usual permissions, or the mode and (where permitted) the owner of ``like``.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomic(target, b"hello"); target.read_bytes()
    b'hello'
    """
    target = Path(path)
    for spec in inputs:
        if _same_file(target, Path(spec)):
            raise OverwriteInputError(f"refusing to write over the input spec {spec}")
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as err:  # a read-only or missing folder
        raise WriteError(err.errno, err.strerror or str(err), str(target)) from err
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if like is None:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        else:
            _take_identity(tmp, like)
        os.replace(tmp, target)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError(err.errno, err.strerror or str(err), str(target)) from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _take_identity(path: str, like: os.stat_result) -> None:
    """The mode of ``like``, and its owner where this process may give it (root, or a
    group it is in); an owner it may not give is kept as it is, as editors do."""
    try:
        os.chown(path, like.st_uid, like.st_gid)
    except OSError:
        try:
            os.chown(path, -1, like.st_gid)
        except OSError:
            pass
    os.chmod(path, stat.S_IMODE(like.st_mode))  # after chown, which may clear setuid bits


class ReadOnlyFileError(PermissionError):
    """A file without write permission: rewritten only when forced."""


def rewrite(path: str | Path, data: bytes, *, force: bool = False) -> Path:
    """Replace the contents of an existing file and keep its identity; the file written.

    Through a symlink, the file it points to is rewritten and the link kept. The mode (and
    the owner, where permitted) are kept. A read-only file is refused unless ``force``. A
    file with other hard links is written in place, so every name sees the new text: a
    backup copy is made beside it first and removed after, so a crash mid-write leaves the
    old text in ``.NAME.*.bak``; any other file is replaced atomically (temporary file,
    ``fsync``, rename).
    """
    target = Path(path).resolve()
    info = os.stat(target)
    if not force and not (info.st_mode & stat.S_IWUSR and os.access(target, os.W_OK)):
        raise ReadOnlyFileError(f"{path} is read-only (use --force to rewrite it)")
    if info.st_nlink > 1:
        _write_in_place(target, data)
    else:
        write_atomic(target, data, like=info)
    return target


def _write_in_place(target: Path, data: bytes) -> None:
    original = read_bounded(target)
    backup = target.parent / f".{target.name}.{os.getpid()}.bak"
    write_atomic(backup, original, like=os.stat(target))
    try:
        _overwrite(target, data)
    except OSError as failed:
        try:
            _overwrite(target, original)
        except OSError:
            raise OSError(failed.errno, f"{failed.strerror}; the old text is in {backup}") from None
        backup.unlink()
        raise
    backup.unlink()


def _overwrite(target: Path, data: bytes) -> None:
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)
