"""Text as it may enter Troupe, made safe to store: valid Unicode, no NUL.

Python strings may hold what no UTF-8 file can: lone surrogates (``"\\ud83d"`` from a
JSON escape cut in half, or ``"\\udce9"`` standing for a command-line byte that is not
UTF-8). Every boundary where a request, a plan value or a file name comes in passes the
text through :func:`clean_text` once, so nothing later (a manifest, a file name, a tool)
has to cope with it. Text quoted in a message passes :func:`one_line`, so that it stays on
its line.
"""

from __future__ import annotations

__all__ = ["clean_text", "one_line"]


def clean_text(text: str) -> str:
    """``text`` as valid Unicode without NUL characters.

    A surrogate pair (``"\\ud83d\\ude00"``, as Python's ``json`` writes an emoji) becomes the
    character it encodes (😀); a lone surrogate becomes U+FFFD, the replacement character;
    NUL characters are removed. Clean text is returned unchanged.

    Args:
        text: any string.

    Returns:
        A string that encodes to UTF-8 without error.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Through UTF-16, pairs join into one character and lone halves are replaced.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text.replace("\x00", "")


def one_line(text: str) -> str:
    """``text`` fit to stand in a one-line message: every character that is not printable —
    a line break, a terminal escape, a right-to-left override — is shown as its escape
    (``\\n``, ``\\x1b``, ``\\u202e``), so a name taken from a plan can neither break the line nor
    restyle or reorder what a terminal shows. Printable text is returned unchanged."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
