"""Content codings undone within a cap: gzip, deflate and brotli bombs stop there.

A fetch inflates a body as it arrives (``digest.fetch``); a body handed over still
encoded is inflated by :func:`decode_body` in a parse worker, with the same cap and
the same messages.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable


class TooLarge(Exception):
    """Decoded, the body would pass the cap."""


class BadEncoding(Exception):
    """The body is not what its Content-Encoding says."""


class BodyError(Exception):
    """A body that cannot be decoded within the cap; ``message`` says why, as fetch would."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def encoded_cap(max_bytes: int) -> int:
    """The most encoded bytes a body of at most *max_bytes* can take.

    gzip, deflate and brotli add a few bytes per block and a header (well under 0.1%,
    even for incompressible data), so a larger encoded body decodes to more than
    *max_bytes* and is cut off without being decoded; the margin leaves room for
    stacked encodings.
    """
    return max_bytes + max_bytes // 64 + 65_536


def decode_body(data: bytes, content_encoding: str, max_bytes: int) -> bytes:
    """Undo *content_encoding* on a whole body, never past *max_bytes* (a bomb stops there).

    Raises BodyError with the message a fetch that decoded the body would have given.
    """
    decoder = Decoder(content_encoding)
    try:
        body = decoder.feed(data, max_bytes)
        return body + decoder.feed(b"", max_bytes - len(body), final=True)
    except TooLarge:
        raise BodyError(too_large(max_bytes)) from None
    except BadEncoding:
        raise BodyError("the response could not be decompressed") from None


def too_large(max_bytes: int) -> str:
    """The error for a body past the cap."""
    return f"response larger than {size_text(max_bytes)}: cut off"


class Decoder:
    """Content-Encoding undone step by step, each step's output capped.

    A decoder that takes a whole network chunk in one call turns a 1 kB chunk of a
    gzip or brotli bomb into hundreds of megabytes before any size check. Here each
    step yields at most the bytes still allowed (plus one, to notice more), and
    more than that raises TooLarge. Encodings we do not know are left as they are.
    """

    def __init__(self, header: str) -> None:
        names = [name.strip().lower() for name in header.split(",") if name.strip()]
        # Listed in the order applied: undone last one first.
        self.steps = [_step(name) for name in reversed(names) if name in _STEPS]

    def feed(self, data: bytes, room: int, final: bool = False) -> bytes:
        """Decode *data*; raises TooLarge past *room* bytes, BadEncoding if corrupt."""
        for step in self.steps:
            data = step(data, room, final)
        if len(data) > room:
            raise TooLarge
        return data


def _step(name: str) -> Callable[[bytes, int, bool], bytes]:
    return _STEPS[name]()


class _Zlib:
    """One gzip or deflate step (deflate may come with or without its zlib header)."""

    def __init__(self, wbits: int, fallback: int | None = None) -> None:
        self.obj = zlib.decompressobj(wbits)
        self.fallback = fallback
        self.started = False

    def __call__(self, data: bytes, room: int, final: bool) -> bytes:
        try:
            out = self.obj.decompress(data, room + 1) if data else b""
            if final and not self.obj.unconsumed_tail:
                out += self.obj.flush()
        except zlib.error:
            if self.fallback is None or self.started:
                raise BadEncoding from None
            self.obj, self.fallback = zlib.decompressobj(self.fallback), None
            return self(data, room, final)
        self.started = self.started or bool(data)
        if len(out) > room or self.obj.unconsumed_tail:
            raise TooLarge
        return out


def _brotli_step() -> Callable[[bytes, int, bool], bytes]:
    import brotli  # type: ignore[import-untyped]

    decompressor = brotli.Decompressor()

    def step(data: bytes, room: int, final: bool) -> bytes:
        if not data:
            return b""
        try:
            out: bytes = decompressor.process(data, output_buffer_limit=room + 1)
        except brotli.error:
            raise BadEncoding from None
        if len(out) > room or not decompressor.can_accept_more_data():
            raise TooLarge
        return out

    return step


def _identity_step() -> Callable[[bytes, int, bool], bytes]:
    return lambda data, room, final: data


_STEPS: dict[str, Callable[[], Callable[[bytes, int, bool], bytes]]] = {
    "gzip": lambda: _Zlib(16 + zlib.MAX_WBITS),
    "x-gzip": lambda: _Zlib(16 + zlib.MAX_WBITS),
    "deflate": lambda: _Zlib(zlib.MAX_WBITS, -zlib.MAX_WBITS),
    "br": _brotli_step,
    "identity": _identity_step,
}


def size_text(n: int) -> str:
    """*n* bytes as a reader is told them: "10 MB", "200 KB"."""
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} KB"
