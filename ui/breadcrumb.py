"""The map's breadcrumb: Indonesia › Kalimantan Timur › Kutai Kartanegara › Kec. Tenggarong.

Each part above the view's own area is a button that opens that area's map; every move goes through
``ui.sidebar.go_to``, the one function that changes the map's level and area.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from stunting.gazetteer import name_of
from stunting.i18n import t
from stunting.plaintext import markdown_literal
from stunting.viewstate import ViewState


@dataclass(frozen=True)
class Crumb:
    level: str  # the view it opens: national, province, regency, kecamatan
    code: str | None  # that view's area (None: Indonesia, or every regency shown)
    label: str


def crumbs(view: ViewState) -> list[Crumb]:
    """The areas from Indonesia down to the one the view shows, the last being the view's own."""
    lang = view.lang
    parts = [Crumb("national", None, t("map.country", lang))]
    if view.level == "national":
        return parts
    regency = view.regency_filter if view.level in ("regency", "kecamatan") else None
    province = view.province if view.level == "province" else (regency[:2] if regency else None)
    if province:
        parts.append(Crumb("province", province, name_of(province) or province))
    if view.level == "province":
        return parts
    if regency is None:  # every regency the app shows at once
        parts.append(Crumb("regency", None, t("sidebar.regency.all", lang)))
        return parts
    # "Kab. Kutai Kartanegara": the breadcrumb shares the title's line.
    name = (name_of(regency) or regency).replace("Kabupaten ", "Kab. ")
    parts.append(Crumb("regency", regency, name))
    if view.level == "kecamatan" and view.kecamatan:
        name = name_of(view.kecamatan) or view.kecamatan
        parts.append(Crumb("kecamatan", view.kecamatan, t("area.kecamatan", lang, name=name)))
    return parts


def render(view: ViewState, parent=None) -> None:
    """The breadcrumb in one line (in ``parent``, e.g. the page's title line): the parts above the
    view are buttons, the view's own is bold."""
    from ui import sidebar

    parts = crumbs(view)
    line = (parent or st).container(
        horizontal=True, key="map_breadcrumb", gap="xsmall", width="content", vertical_alignment="center"
    )
    for position, crumb in enumerate(parts):
        if position:
            line.markdown("›", width="content")
        if position == len(parts) - 1:
            line.markdown(f"**{markdown_literal(crumb.label)}**", width="content")
        elif line.button(
            markdown_literal(crumb.label),
            type="tertiary",
            key=f"crumb_{crumb.level}",
            help=t("map.breadcrumb.up", view.lang, area=crumb.label),
        ):
            sidebar.go_to(crumb.level, crumb.code)
            st.rerun()
