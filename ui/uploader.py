"""A file uploader whose own words follow the chosen language.

Streamlit draws the uploader's button ("Upload") and its limit line ("1MB per file • YAML, YML") in
English whatever the page's language, and offers no parameter for them. In Indonesian this wrapper
covers both with translated text through CSS scoped to the widget's key (Streamlit gives each keyed
widget's container the class ``st-key-KEY``), so other uploaders on the page keep their own words.
"""

from __future__ import annotations

import json

import streamlit as st

from stunting.i18n import fmt_number, t


def file_uploader(label: str, *, key: str, types: list[str], max_mb: int, lang: str, **kwargs):
    """``st.file_uploader`` with its button and limit line in ``lang``; returns what it returns."""
    if lang != "en":  # Streamlit's own words are English already
        button = _css_string(t("upload.button", lang))
        kinds = ", ".join(x.upper() for x in types)
        limit = _css_string(t("upload.limit", lang, size=fmt_number(max_mb, lang), types=kinds))
        scope = f".st-key-{key} [data-testid='stFileUploaderDropzone']"
        st.html(
            "<style>"
            f"{scope} button [data-testid='stMarkdownContainer'] p {{font-size: 0}}"
            f"{scope} button [data-testid='stMarkdownContainer'] p::after {{content: {button};"
            " font-size: 1rem}"
            f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] span {{font-size: 0}}"
            f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] span::after"
            f" {{content: {limit}; font-size: 0.875rem}}"
            "</style>"
        )
    return st.file_uploader(label, type=types, key=key, max_upload_size=max_mb, **kwargs)


def _css_string(text: str) -> str:
    # A JSON string is a valid CSS string once non-ASCII stays as it is (CSS knows no \uXXXX escapes).
    return json.dumps(text, ensure_ascii=False)
