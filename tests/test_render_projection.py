"""A slide's map is drawn in metres that match the ground, for any area of Indonesia: its scale bar
must not lie in Jawa Tengah (UTM zone 49) or on a national map (eight zones wide). The reference is
pyproj's geodesic distance on the WGS 84 ellipsoid, not our projection."""

from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import Geod

from render.maps import WIDE_AREA_CRS, projected_crs
from stunting.gazetteer import villages

GEOD = Geod(ellps="WGS84")


def _points(query: str) -> gpd.GeoDataFrame:
    frame = villages().query(query)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lng"], frame["lat"]), crs=4326)


@pytest.mark.parametrize(
    ("query", "zone", "tolerance"),
    [
        ("regency_code == '64.02'", "50", 0.002),  # Kutai Kartanegara
        ("regency_code == '33.01'", "49", 0.002),  # Cilacap, Jawa Tengah
        ("province_code == '33'", "49", 0.002),  # the whole of Jawa Tengah
        ("province_code == '91'", "53", 0.002),  # Papua
        ("code == code", None, 0.02),  # Indonesia: World Mercator
    ],
)
def test_a_kilometre_on_the_slide_is_a_kilometre_on_the_ground(query, zone, tolerance):
    frame = _points(query)
    crs = projected_crs(frame)
    if zone is None:
        assert crs == WIDE_AREA_CRS
    else:
        assert crs.startswith("EPSG:32") and crs.endswith(zone)  # UTM, north (326..) or south (327..)
    # Half a degree of longitude and of latitude at the area's centre, projected vs on the ellipsoid.
    minx, miny, maxx, maxy = frame.total_bounds
    lng, lat = (minx + maxx) / 2, (miny + maxy) / 2
    for end in ((lng + 0.5, lat), (lng, lat + 0.5)):
        ends = gpd.GeoSeries(gpd.points_from_xy([lng, end[0]], [lat, end[1]]), crs=4326).to_crs(crs)
        projected = ends.iloc[0].distance(ends.iloc[1])
        _az, _back, ground = GEOD.inv(lng, lat, *end)
        assert projected == pytest.approx(ground, rel=tolerance)
