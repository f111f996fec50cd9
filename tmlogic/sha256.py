"""SHA-256 without OpenSSL: the interpreter's own implementation, for the short texts a run keys
and names things by (threat ids, cache keys).

`import hashlib` loads OpenSSL's library and registers every algorithm it has, about 11 M
instructions of a warm JSON run that needs SHA-256 of a few dozen short strings and nothing else.
CPython builds its own SHA-256 as a small module (_sha2 from 3.12, _sha256 before); a build
without it (configured --without-builtin-hashlib-hashes) gets hashlib's, the same function.
"""

from __future__ import annotations

from collections.abc import Callable

from .typing_runtime import TYPE_CHECKING

__all__ = ["sha256"]

if TYPE_CHECKING:  # read by type checkers only: making a Protocol class costs some 0.45 M instructions
    from typing import Protocol

    class _Hash(Protocol):
        def update(self, data: bytes, /) -> None: ...

        def hexdigest(self) -> str: ...


sha256: Callable[[bytes], _Hash]
try:
    from _sha2 import sha256  # type: ignore[import-not-found, no-redef, unused-ignore]  # CPython >= 3.12
except ImportError:
    try:
        from _sha256 import sha256  # type: ignore[import-not-found, no-redef, unused-ignore]  # CPython 3.11
    except ImportError:
        from hashlib import sha256  # type: ignore[no-redef, unused-ignore]
