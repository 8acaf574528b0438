"""streamlit_folium's ``st_folium`` in two halves, so a map is rendered once per view, not per rerun.

``st_folium`` renders the folium map to Leaflet script on every call (jinja compiling folium's
templates again for every element, the GeoJSON dumped again): about a third of a map-page rerun's
CPU. Everything it sends to its component is a function of the map alone, except the widget key and
the change callback. ``rendered`` computes that part once (the caller caches it per view, shared by
every session: it holds aggregates and boundaries only); ``show`` makes the component call with it
on each rerun. The component, its arguments and its key are the ones ``st_folium`` would give
(tests/test_folium_view.py compares them), so the browser sees the same map and a period change
still only swaps the layer.

Only the options the pages use are kept: a ``folium.Map`` (not a DualMap), a layer to swap, the
returned objects chosen, the container's width, no layer control argument, no fixed zoom or centre, and no
branca colormap (st_folium would make the browser fetch d3 for it from a CDN: refused).
streamlit-folium is pinned (requirements.txt): its private helpers are called by name.

Within ``rendered`` branca keeps each element's rendered output as text: its ``MacroElement.render``
wraps every header, html and script it renders in ``Element(text)``, which compiles that output, the
village layer's GeoJSON included, as a jinja template, only to render it back to the same text (half
of the render's CPU). ``_RenderedText`` gives what that template would render without compiling
it, so the map is the same to the byte (tests/test_folium_view.py renders one both ways).
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

import branca
import branca.element
import folium
import folium.elements
import jinja2
import streamlit as st
import streamlit_folium as sf

# What jinja's lexer does to a template's text before anything else (jinja2.lexer.newline_re): every
# line ending becomes "\n", and one newline at the very end is dropped (keep_trailing_newline off).
_NEWLINES = re.compile(r"(\r\n|\r|\n)")
# Text holding any of these is a template to jinja (blocks, expressions, comments): rendered as branca does.
_JINJA_MARKS = ("{{", "{%", "{#")


class _RenderedText(branca.element.Element):
    """An element's rendered header, html or script, kept as text: renders to exactly what
    ``branca.element.Element(text)`` would, without compiling the text as a template first."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        if any(mark in self._text for mark in _JINJA_MARKS):
            return jinja2.Template(self._text).render(this=self, kwargs=kwargs)
        lines = _NEWLINES.split(self._text)[::2]
        if lines[-1] == "":
            del lines[-1]
        return "\n".join(lines)


_KEEP_TEXT = contextvars.ContextVar("keep_rendered_text", default=False)
_BRANCA_MACRO_RENDER = branca.element.MacroElement.render


def _macro_render(self: branca.element.MacroElement, **kwargs) -> None:
    """branca's MacroElement.render, its outputs kept as _RenderedText inside ``_kept_as_text``
    (per thread: every other render in the process, st_folium's included, is branca's own)."""
    if not _KEEP_TEXT.get():
        return _BRANCA_MACRO_RENDER(self, **kwargs)
    figure = self.get_root()
    assert isinstance(figure, branca.element.Figure), (
        "You cannot render this Element if it is not in a Figure."
    )
    macros = self._template.module.__dict__
    for part in ("header", "html", "script"):
        macro = macros.get(part)
        if macro is not None:
            getattr(figure, part).add_child(_RenderedText(macro(self, kwargs)), name=self.get_name())
    for element in self._children.values():
        element.render(**kwargs)


# Only over the branca pinned in requirements.txt, whose render this one repeats step for step.
if branca.__version__ == "0.8.2" and _BRANCA_MACRO_RENDER.__qualname__ == "MacroElement.render":
    branca.element.MacroElement.render = _macro_render


@contextmanager
def _kept_as_text():
    token = _KEEP_TEXT.set(True)
    try:
        yield
    finally:
        _KEEP_TEXT.reset(token)


@dataclass(frozen=True)
class RenderedMap:
    """What ``st_folium`` would send its component for one map, without the key and the callback."""

    script: str
    header: str
    html: str
    id: str
    default: dict
    feature_group: str | None
    returned_objects: tuple[str, ...] | None
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]


def _bounds(folium_map: folium.Map) -> dict:
    try:
        (south, west), (north, east) = folium_map.get_bounds()
    except AttributeError:
        south = west = north = east = None
    return {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}}


def _elements(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _elements(child)


def _assets(folium_map: folium.Map) -> tuple[list[str], list[str]]:
    """The CSS and JS links of every element, as st_folium collects them (a colormap, which would
    add d3 from the internet, is refused before: see rendered)."""
    css, js = [], []
    for element in _elements(folium_map):
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


def rendered(
    folium_map: folium.Map,
    *,
    feature_group_to_add: folium.FeatureGroup | None = None,
    returned_objects: Iterable[str] | None = None,
) -> RenderedMap:
    """Render ``folium_map`` (and the layer to swap) as st_folium does. Renders into the map: call
    it once per map, and do not hand the same map to st_folium afterwards."""
    if not isinstance(folium_map, folium.Map):
        raise TypeError("rendered() takes a folium.Map")
    if any(isinstance(element, branca.colormap.ColorMap) for element in _elements(folium_map)):
        # st_folium loads d3 from the internet for a branca colormap, which a meeting room without
        # internet cannot reach (and which would tell a CDN who opened the map): the pages draw
        # their legends themselves (geo/choropleth.py).
        raise ValueError("rendered() refuses a branca colormap: it would fetch d3 from a CDN")
    with _kept_as_text():
        folium_map.get_root().render()
        folium_map.render()
        # In st_folium's order: the html and header before the script (which renames the elements).
        html = sf._get_html(folium_map)
        header = sf._get_header(folium_map)
        script = sf._get_map_string(folium_map)
    map_id = sf.get_full_id(folium_map)
    returned = tuple(returned_objects) if returned_objects is not None else None
    defaults = {
        "last_clicked": None,
        "last_object_clicked": None,
        "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None,
        "last_object_clicked_popup": None,
        "all_drawings": None,
        "last_active_drawing": None,
        # The bounds walk every outline's coordinates in Python: only when the map is to return them.
        "bounds": _bounds(folium_map) if returned is None or "bounds" in returned else None,
        "zoom": folium_map.options.get("zoom"),
        "last_circle_radius": None,
        "last_circle_polygon": None,
        "selected_layers": None,
        "selected_tags": None,
        "last_geocoder_result": None,
    }
    default = {k: v for k, v in defaults.items() if returned is None or k in returned}
    with _kept_as_text():
        layer = (
            sf._get_feature_group_string(feature_group_to_add, map=folium_map, idx=0)
            if feature_group_to_add is not None
            else None
        )
    css, js = _assets(folium_map)
    return RenderedMap(script, header, html, map_id, default, layer, returned, tuple(css), tuple(js))


def widget_key(rendered_map: RenderedMap, key: str | None) -> str:
    """The component's key as st_folium derives it (the script without its random names, and
    ``key``): the same map under the same key stays mounted across reruns."""
    return sf.generate_js_hash(rendered_map.script, key, False)


def show(
    rendered_map: RenderedMap,
    *,
    key: str | None,
    height: int,
    hashed_key: str | None = None,
    on_change: Callable[[dict], None] | None = None,
) -> dict | None:
    """The st_folium component for ``rendered_map`` at the container's width; returns what the map
    sent back (the returned objects), as st_folium does. ``hashed_key``: ``widget_key``'s answer,
    when the caller kept it with the map (it hashes the whole script). ``on_change``: called with
    what the map sent, when it sent something new, before the page runs (a Streamlit callback)."""
    hash_key = hashed_key or widget_key(rendered_map, key)

    def _on_change() -> None:
        value = st.session_state.get(hash_key, {})
        if key is not None:
            st.session_state[key] = value
        if on_change is not None:
            on_change(value or {})

    return sf._component_func(
        script=rendered_map.script,
        header=rendered_map.header,
        html=rendered_map.html,
        id=rendered_map.id,
        key=hash_key,
        height=height,
        width=None,
        returned_objects=list(rendered_map.returned_objects)
        if rendered_map.returned_objects is not None
        else None,
        default=rendered_map.default,
        zoom=None,
        center=None,
        feature_group=rendered_map.feature_group,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(rendered_map.css_links),
        js_links=list(rendered_map.js_links),
        on_change=_on_change,
        wrap_longitude=False,
    )
