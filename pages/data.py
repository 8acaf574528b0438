"""Kelola data."""

import streamlit as st

from ui import auth, navigation

navigation.through_app()
current = auth.require("data_manager")
st.markdown("### Kelola data")
