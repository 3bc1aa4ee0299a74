"""Where each key of a TOML file is written: `key path -> line`.

`tomllib` parses values but keeps no positions, so errors could not name the line of
a key.  This is a small read-only scanner over the same text (run only after
`tomllib` has accepted it) that records the 1-based line on which every key path is
first defined, in all the forms TOML allows:

- table headers `[a.b]` and arrays of tables `[[a.b.c]]` (elements as `a.b.c.0`, ...);
- keys `k = ...`, dotted keys `b.value = 1` under `[a]`, or `a.b.value = 1` at top level
  (each implicit table `a`, `a.b` is placed on the line that first mentions it);
- inside values: inline tables `{ k = ... }` and array elements (`a.b.value.0`,
  `a.b.value.0.min`), across lines.

>>> pos = key_positions('[annual]\\nb2.value = 0.3\\n[x.y]\\nvalue = [\\n  { min = 1 },\\n]\\n')
>>> pos[("annual", "b2", "value")], pos[("x", "y")], pos[("x", "y", "value", "0", "min")]
(2, 3, 5)
>>> locate(pos, "x.y.value.0.max")
5
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["bracket_depth_line", "key_positions", "locate"]

# Key paths are recorded up to this many parts: the loader refuses deeper nesting, and
# recording every prefix of a path thousands of parts long would be quadratic.
_MAX_RECORDED = 64

_BARE_KEY = re.compile(r"[A-Za-z0-9_\-]+")
_INLINE_SPACE = re.compile(r"[ \t]*")
_BLANK = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")
_SCALAR = re.compile(r"[^,\]}#\n \t\r]*")
# The rest of a string after its opening quote(s), up to (not including) its closing
# quote(s); a backslash escapes the next character in basic strings.
_BASIC = re.compile(r'(?:[^"\\]+|\\.?)*', re.S)
_LITERAL = re.compile(r"[^']*")
_ML_BASIC = re.compile(r'(?:[^"\\]+|\\.?|"(?!""))*', re.S)
_ML_LITERAL = re.compile(r"(?:[^']+|'(?!''))*")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line = 1
        self.positions: dict[tuple[str, ...], int] = {}
        self.array_tables: dict[tuple[str, ...], int] = {}

    # -- low level -------------------------------------------------------------
    def peek(self, n: int = 1) -> str:
        return self.text[self.i : self.i + n]

    def advance(self, n: int = 1) -> None:
        self.line += self.text.count("\n", self.i, self.i + n)
        self.i += n

    def skip(self, pattern: re.Pattern[str]) -> None:
        """Move past what `pattern` matches here, counting the lines it spans."""
        match = pattern.match(self.text, self.i)
        if match:
            self.advance(match.end() - self.i)

    def at_end(self) -> bool:
        return self.i >= len(self.text)

    def skip_inline_space(self) -> None:
        self.skip(_INLINE_SPACE)

    def skip_comment(self) -> None:
        if self.peek() == "#":
            end = self.text.find("\n", self.i)
            self.i = len(self.text) if end < 0 else end

    def skip_blank(self) -> None:
        """Whitespace, newlines and comments (inside arrays, between statements)."""
        self.skip(_BLANK)

    def record(self, path: tuple[str, ...], line: int) -> None:
        for depth in range(1, min(len(path), _MAX_RECORDED) + 1):
            self.positions.setdefault(path[:depth], line)

    # -- keys ----------------------------------------------------------------
    def key_part(self) -> str:
        ch = self.peek()
        if self.peek(1) == '"':
            self.advance()
            out = []
            while not self.at_end() and self.peek() != '"':
                if self.peek() == "\\":
                    self.advance()
                    esc = self.peek()
                    if esc == "u":
                        out.append(chr(int(self.text[self.i + 1 : self.i + 5], 16)))
                        self.advance(5)
                        continue
                    if esc == "U":
                        out.append(chr(int(self.text[self.i + 1 : self.i + 9], 16)))
                        self.advance(9)
                        continue
                    out.append(_ESCAPES.get(esc, esc))
                    self.advance()
                    continue
                out.append(self.peek())
                self.advance()
            self.advance()
            return "".join(out)
        if ch == "'":
            self.advance()
            start = self.i
            while not self.at_end() and self.peek() != "'":
                self.advance()
            part = self.text[start : self.i]
            self.advance()
            return part
        match = _BARE_KEY.match(self.text, self.i)
        if not match:
            raise ValueError(f"key expected at line {self.line}")
        self.i = match.end()
        return match.group()

    def dotted_key(self) -> tuple[str, ...]:
        parts = []
        while True:
            self.skip_inline_space()
            parts.append(self.key_part())
            self.skip_inline_space()
            if self.peek() == ".":
                self.advance()
                continue
            return tuple(parts)

    # -- values ----------------------------------------------------------------
    def value(self, path: tuple[str, ...]) -> None:
        self.skip_inline_space()
        three = self.peek(3)
        ch = self.peek()
        if three in ('"""', "'''"):
            self.advance(3)
            self.skip(_ML_BASIC if three == '"""' else _ML_LITERAL)
            if not self.at_end():
                self.advance(3)
                while self.peek() == three[0]:  # up to two quotes may close the content
                    self.advance()
            return
        if ch == '"':
            self.advance()
            self.skip(_BASIC)
            self.advance()
            return
        if ch == "'":
            self.advance()
            self.skip(_LITERAL)
            self.advance()
            return
        if ch == "[":
            self.advance()
            index = 0
            while True:
                self.skip_blank()
                if self.at_end() or self.peek() == "]":
                    self.advance()
                    return
                element = (*path, str(index))
                self.record(element, self.line)
                self.value(element)
                self.skip_blank()
                if self.peek() == ",":
                    self.advance()
                    index += 1
            return
        if ch == "{":
            self.advance()
            while True:
                self.skip_inline_space()
                if self.at_end() or self.peek() == "}":
                    self.advance()
                    return
                key = (*path, *self.dotted_key())
                self.record(key, self.line)
                if self.peek() == "=":
                    self.advance()
                self.value(key)
                self.skip_inline_space()
                if self.peek() == ",":
                    self.advance()
            return
        self.skip(_SCALAR)

    # -- statements ------------------------------------------------------------
    def run(self) -> dict[tuple[str, ...], int]:
        prefix: tuple[str, ...] = ()
        while True:
            self.skip_blank()
            if self.at_end():
                return self.positions
            line = self.line
            if self.peek(2) == "[[":
                self.advance(2)
                table = self.dotted_key()
                self.advance(2)
                n = self.array_tables.get(table, 0)
                self.array_tables[table] = n + 1
                prefix = (*table, str(n))
                self.record(prefix, line)
            elif self.peek() == "[":
                self.advance()
                prefix = self.dotted_key()
                self.advance()
                self.record(prefix, line)
            else:
                key = (*prefix, *self.dotted_key())
                self.record(key, line)
                if self.peek() == "=":
                    self.advance()
                self.value(key)
            self.skip_inline_space()
            self.skip_comment()


@lru_cache(maxsize=64)
def key_positions(text: str) -> dict[tuple[str, ...], int]:
    """Every key path in a TOML text and the 1-based line that first defines it.

    Never raises: on text it cannot follow (or nested too deep to follow) it returns
    what it found so far.  Paths are recorded up to 64 parts.  The result is cached by
    text: treat it as read-only.
    """
    scanner = _Scanner(text)
    try:
        return scanner.run()
    except (ValueError, IndexError, RecursionError):
        return scanner.positions


_PLAIN = re.compile(r"[^\[\]{}\"'#\n]+")


def bracket_depth_line(text: str, limit: int) -> int | None:
    """The 1-based line where brackets (arrays `[`, inline tables `{`) first nest more
    than `limit` deep, outside strings and comments; None if they never do.

    Linear and not recursive, so it can follow text that `tomllib` cannot (it recurses
    once per level).  A table header `[a]` or `[[a]]` counts as one or two levels.

    >>> bracket_depth_line('a = 1\\nb = [[[ "[[[[" ]]]\\nc = [[[[{ x = 1 }]]]]\\n', 3)
    3
    """
    depth, line, i, end = 0, 1, 0, len(text)
    while i < end:
        plain = _PLAIN.match(text, i)
        if plain:
            i = plain.end()
            continue
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return line
            i += 1
        elif ch in "]}":
            depth = max(depth - 1, 0)
            i += 1
        elif ch == "#":
            newline = text.find("\n", i)
            i = end if newline < 0 else newline
        else:  # a string: skip to its closing quote(s)
            start = i
            three = text[i : i + 3]
            if three in ('"""', "'''"):
                body = (_ML_BASIC if three == '"""' else _ML_LITERAL).match(text, i + 3)
                i = (body.end() if body else i + 3) + 3
                while i < end and text[i] == ch:  # up to two quotes may close the content
                    i += 1
            else:
                body = (_BASIC if ch == '"' else _LITERAL).match(text, i + 1)
                i = (body.end() if body else i + 1) + 1
            line += text.count("\n", start, min(i, end))
    return None


def locate(positions: dict[tuple[str, ...], int], key: str | tuple[str, ...]) -> int | None:
    """The line of `key` ("a.b.value.0.min" or a tuple), or of its nearest written parent."""
    parts = tuple(key.split(".")) if isinstance(key, str) else tuple(key)
    for depth in range(len(parts), 0, -1):
        line = positions.get(parts[:depth])
        if line is not None:
            return line
    return None
