"""Pengguna (admin only): the accounts and the audit log; changes are made with `python -m stunting users`."""

import pandas as pd
import streamlit as st

from stunting.i18n import t
from ui import auth, navigation

navigation.through_app()
current = auth.require("admin")
lang = auth.language()
db = auth.database()

st.markdown(f"### {t('users.page', lang)}")
st.caption(t("users.how", lang))
accounts = pd.DataFrame(
    [
        {
            t("users.col.name", lang): user.name,
            t("users.col.role", lang): t(f"role.{user.role}", lang),
            t("users.col.regencies", lang): " ".join(user.regencies) or "—",
            t("users.col.login", lang): t("users.sso" if not user.has_password else "users.password", lang),
            t("users.col.state", lang): t("users.disabled" if user.disabled else "users.active", lang),
        }
        for user in db.list()
    ]
)
st.dataframe(accounts, hide_index=True, width="stretch")

others = [user.name for user in db.list() if user.name != current.name]
if others:
    with st.form("users_toggle"):
        chosen = st.selectbox(t("users.col.name", lang), others, key="users_chosen")
        enable = st.form_submit_button(t("users.enable", lang))
        disable = st.form_submit_button(t("users.disable", lang))
    if enable or disable:
        db.set_disabled(chosen, disable, actor=current.name)
        st.rerun()

st.markdown(f"#### {t('users.audit', lang)}")
log = pd.DataFrame(db.audit_log(limit=200))
if len(log):
    log["detail"] = log["detail"].map(lambda d: ", ".join(f"{k}={v}" for k, v in d.items()))
st.dataframe(log, hide_index=True, width="stretch")
