"""Charts built from plain data without plotly's property-by-property checks (charts.style.figure_of)
are checked here whole: every trace and layout property a name plotly knows and a value it takes."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from charts import trend_figure
from stunting import prevalence


def _validated(figure: go.Figure) -> dict:
    # go.Figure(dict) validates every property and raises ValueError on an unknown name or value.
    return go.Figure(figure.to_dict()).to_dict()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_village_trend_is_a_valid_plotly_figure_as_drawn(demo_dir, lang):
    periods = prevalence.periods(demo_dir)
    village = prevalence.prevalence("stunting", periods[-1], "village", data_dir=demo_dir)["code"].iloc[0]
    trend = prevalence.trend("stunting", "village", village, data_dir=demo_dir)
    assert len(trend) > 6  # one tick per year
    marks = ((periods[1], "Raga Pantas"), (periods[-2], "BAAS"))
    figure = trend_figure(trend, lang, title="Stunting", height=230, markers=marks)
    assert _validated(figure) == figure.to_dict()
    assert [a.text for a in figure.layout.annotations] == ["Raga Pantas", "BAAS"]
    assert figure.layout.separators == {"id": ",.", "en": ".,"}[lang]
    assert figure.layout.yaxis.tickformat == ".0%" and figure.layout.template.layout.plot_bgcolor == "white"


def test_a_short_trend_with_a_suppressed_round_is_valid_and_leaves_a_gap():
    trend = pd.DataFrame(
        {"period": ["2024-02", "2024-08", "2025-02"], "measured": [40, 6, 0], "prevalence": [0.25, 0.5, None],
         "ci_low": [0.13, 0.1, None], "ci_high": [0.4, 0.9, None], "suppressed": [False, True, False]}
    )  # fmt: skip
    figure = trend_figure(trend, "id", title="x", height=230)
    assert _validated(figure) == figure.to_dict()
    rate = figure.data[2]
    assert rate.y[0] == 0.25 and pd.isna(rate.y[1]) and pd.isna(rate.y[2])  # no point, no band
    assert rate.text[1].endswith("<br>terlalu sedikit anak (< 10)")
    assert rate.text[2].endswith("<br>tidak ada data")
