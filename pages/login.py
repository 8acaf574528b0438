"""Masuk: the login form (and the single sign-on button when it is configured)."""

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from stunting.i18n import t
from ui import auth, navigation

navigation.through_app()

lang = auth.language()
current = auth.visitor()
if current.logged_in:
    # Listed (hidden) once logged in only so that a login's own rerun lands somewhere: go on to the
    # page this role came for.
    st.success(t("auth.welcome", lang, name=current.name))
    try:
        st.switch_page("pages/data.py" if current.user.may("data_manager") else "pages/map.py")
    except StreamlitPageNotFoundError:  # the page run on its own (AppTest), without the navigation
        st.stop()

st.markdown(f"### {t('auth.page', lang)}")
st.caption(t("auth.why", lang))
# clear_on_submit: the typed password does not stay in the page after the attempt.
with st.form("login", enter_to_submit=True, clear_on_submit=True):
    name = st.text_input(t("auth.name", lang), key="login_name", autocomplete="username")
    password = st.text_input(t("auth.password", lang), type="password", key="login_password")
    submitted = st.form_submit_button(t("auth.submit", lang), type="primary")
if submitted:
    problem = auth.log_in(name, password)
    if problem is None:
        st.rerun()
    st.error(problem)
if auth.sso_settings() is not None:
    st.divider()
    if st.button(t("auth.sso", lang)):
        st.login()
