"""Plotly chart builders: frame in, Figure out; language-aware, Indonesian number formats. No streamlit."""

from charts.breakdown import breakdown_figure
from charts.trend import trend_figure

__all__ = ["breakdown_figure", "trend_figure"]
