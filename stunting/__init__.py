"""Peta Stunting domain package: from e-PPGBM exports and boundary files to a parquet store.

Layers (see README "Architecture"): nothing in this package imports streamlit.
"""
