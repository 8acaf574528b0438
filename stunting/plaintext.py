"""Text from outside (a URL, an upload, a story, a data file) shown as text, never as markup or formula.

Streamlit renders ``st.warning``/``st.markdown``/``st.caption`` text as Markdown (links, images, colour
directives, emoji shortcodes, ``$`` math), so a link value such as ``?kecamatan=[Masuk ulang](https://ev.il/a)``
would become a clickable link in our own notice; ``markdown_literal`` makes every character literal.
A spreadsheet opens a CSV cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula, and posyandu and
puskesmas names come from uploaded files; ``csv_bytes`` is the one way the app writes a CSV download.
Pure functions: no streamlit here (ui/ and pages/ call them).
"""

from __future__ import annotations

import html
import re

import pandas as pd

# CommonMark lets a backslash escape any ASCII punctuation, and Streamlit's extensions (":red[...]",
# ":material/...:", "$...$", autolinked "https://...") are all triggered by punctuation.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Characters a spreadsheet reads as the start of a formula (OWASP "CSV injection"), and the tab and
# carriage return that some of them skip before looking.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain signed number ("-1,5", "+2.0", "-27,1%") is data, not a formula: left as typed.
_PLAIN_NUMBER = re.compile(r"[-+]?\d[\d.,]*%?")


# Streamlit (remark-gfm) turns "https://...", "www.x" and "a@b.c" in text into links even after
# backslash escapes (tested in chromium); an invisible WORD JOINER inside each trigger stops it.
_WORD_JOINER = "\u2060"
_AUTOLINK_TRIGGER = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)


def markdown_literal(text: object) -> str:
    """``text`` as Streamlit Markdown that renders exactly as typed (no link, no markup), on one line."""
    one_line = " ".join(str(text).split())
    unlinked = _AUTOLINK_TRIGGER.sub(_WORD_JOINER, one_line)
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", unlinked)


def markdown_code(text: object) -> str:
    """``text`` as a Markdown code span: shown verbatim in a monospace font, never a link. For values
    quoted from a URL or a file (a code, a name), where a reader should see exactly what was given."""
    one_line = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", one_line)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if one_line.startswith(("`", " ")) or one_line.endswith("`") or not one_line else ""
    return f"{fence}{pad}{one_line}{pad}{fence}"


def html_literal(text: object) -> str:
    """``text`` for an HTML block (``unsafe_allow_html``), on one line: a blank line would end the
    block and let the rest be read as Markdown."""
    return html.escape(" ".join(str(text).split()))


def neutralise_cell(value: object) -> object:
    """A cell a spreadsheet shows as text: a leading ``'`` before a formula start (Excel hides it)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (headers too) neutralised; numbers are untouched."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_cell)
    out.columns = [neutralise_cell(c) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A CSV download: neutralised cells, UTF-8 with BOM (so Excel reads Indonesian names right)."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")
