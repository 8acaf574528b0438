"""Kelola data: upload e-PPGBM exports, village counts, boundary files and programme data; preview, save,
undo."""

import streamlit as st

from stunting.i18n import t
from ui import auth, data_manage, navigation

navigation.through_app()
visitor = auth.require("data_manager")  # again here: a stale tab or a hand-typed URL
lang = auth.language()

st.markdown(f"### {t('data.page', lang)}")
yours = " ".join(visitor.user.regencies) if visitor.user.role != "admin" else t("data.all_regencies", lang)
st.caption(f"{t('data.intro', lang)} {t('data.your_regencies', lang, regencies=yours)}")
data_manage.undone_notice(lang)
tabs = st.tabs([t(f"data.tab.{kind}", lang) for kind in data_manage.KINDS])
for tab, kind in zip(tabs, data_manage.KINDS, strict=True):
    with tab:
        data_manage.section(kind, visitor, lang)
