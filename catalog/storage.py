"""Where uploaded files live: a registry of storage backends chosen by configuration, like
CTFd's UPLOADERS, and helpers that store processed images and documents under content keys."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Protocol

from catalog.images import ProcessedImage, UploadRejected, is_pdf, process_image


class Storage(Protocol):
    """What every storage backend offers; keys are relative POSIX paths."""

    def save(self, key: str, data: bytes) -> str: ...
    def open(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...


def check_key(key: str) -> PurePosixPath:
    """Return the key as a path, or raise ValueError if it could escape the storage root."""
    if not isinstance(key, str) or not key or "\\" in key or "\x00" in key:
        raise ValueError(f"invalid storage key: {key!r}")
    parts = key.split("/")
    # Checked on the raw parts because PurePosixPath quietly drops "." and empty segments.
    if key.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"invalid storage key: {key!r}")
    return PurePosixPath(*parts)


class LocalStorage:
    """Files in a folder on this machine, typically served by the web server as static files."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """Return the file system path of a key."""
        path = self.root.joinpath(*check_key(key).parts)
        # A symlink inside the root could still point elsewhere; refuse to follow it out.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"storage key leaves the root: {key!r}")
        return path

    def save(self, key: str, data: bytes) -> str:
        """Write the bytes under the key atomically and return the key."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so readers never see half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            # mkstemp makes the file private; the web server must be able to read it.
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def open(self, key: str) -> bytes:
        """Return the bytes stored under the key; FileNotFoundError if there are none."""
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Remove the file under the key, if there is one."""
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Tell whether a file is stored under the key."""
        return self.path(key).is_file()


STORAGES: dict[str, type[LocalStorage]] = {"local": LocalStorage}


def make_storage(kind: str, root: str) -> LocalStorage:
    """Return the storage backend registered under `kind`."""
    try:
        backend = STORAGES[kind]
    except KeyError:
        raise ValueError(f"unknown storage {kind!r}; choose from {sorted(STORAGES)}") from None
    return backend(root)


def save_image(storage: Storage, prefix: str, image: ProcessedImage) -> str:
    """Store every variant and return the base key; add "-thumb.webp" etc. to reach one."""
    base = _base_key(prefix, image.sha256)
    for name, data in image.variants.items():
        storage.save(f"{base}-{name}.webp", data)
    return base


def save_document(storage: Storage, prefix: str, data: bytes, kind: str) -> str:
    """Store a certificate scan as checked by check_document and return its full key."""
    digest = hashlib.sha256(data).hexdigest()
    if kind == "pdf":
        # Stored as uploaded: re-check rather than trust that the caller validated these bytes.
        if not is_pdf(data):
            raise UploadRejected("not_a_document")
        return storage.save(f"{_base_key(prefix, digest)}.pdf", data)
    if kind == "image":
        # Only the re-encoded picture is kept, never the upload, so no metadata or payload survives.
        large = process_image(data).variants["large"]
        return storage.save(f"{_base_key(prefix, digest)}.webp", large)
    raise ValueError(f"unknown document kind {kind!r}")


def _base_key(prefix: str, digest: str) -> str:
    # Two hex characters of fan-out keep any one folder to a few thousand files.
    return f"{prefix}/{digest[:2]}/{digest}"
