"""Atomic file writes: a crash never leaves a half-written output over a good one."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def write_bytes_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over ``path``.

    With ``durable=False`` the data is not synced to disk before the rename: still never half-written for a
    reader, but a crash may lose it (right for a cache, whose entries can be made again).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; outputs are for everyone to read
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: Path, data: object) -> None:
    """JSON with sorted keys and a final newline, written atomically."""
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write_json_lines_atomic(path: Path, data: dict[str, dict]) -> None:
    """Like :func:`write_json_atomic` for ``{"key": {item: value, ...}}``, with each item on a line of its own.

    The items are sorted by key (their own keys stay in the order they were made in). The layout keeps a large
    file readable while Python's fast encoder, which does not indent, writes it (indenting a file of 30,000
    items took a fifth of a second).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_json_lines_atomic(Path(tmp) / "a.json", {"entities": {"b": {"y": 1}, "a": {"x": [2]}}})
    ...     print((Path(tmp) / "a.json").read_text(), end="")
    {
    "entities": {
      "a": {"x": [2]},
      "b": {"y": 1}
    }
    }
    """
    parts = []
    for key, items in sorted(data.items()):
        rows = ",\n".join(
            f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
            for k, v in sorted(items.items())
        )
        parts.append(f"{json.dumps(key)}: {{\n{rows}\n}}")
    write_text_atomic(path, "{\n" + ",\n".join(parts) + "\n}\n")
