"""Streamlit components shared by pages (sidebar, URL state, map panel). Only pages import this."""
