"""The one catalogue of UI strings (Bahasa Indonesia first, English second) and the number formats.

No streamlit here: the PPTX export reuses the same words and formats. Each page's engineer adds a
section of their own below (``_COMPARISON``, ``_STORY``...) and lists it in ``_SECTIONS``; a key may
live in one section only, and every key needs both languages (tests/test_i18n.py checks both).
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, parse_pattern

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

# ---------------------------------------------------------------------------------------------
# Shared by every page: navigation, sidebar, indicators, filters, provenance.
# ---------------------------------------------------------------------------------------------
_COMMON: dict[str, dict[str, str]] = {
    "app.title": {"id": "Peta Stunting", "en": "Stunting Map"},
    "app.page.map": {"id": "Peta", "en": "Map"},
    "app.demo_first_run": {
        "id": "Peta prevalensi stunting per desa/kelurahan. Pemakaian pertama: data contoh disiapkan, "
        "sekitar satu menit.",
        "en": "A map of child stunting by village. First run: the sample data is being prepared, "
        "about a minute.",
    },
    "app.demo_building": {
        "id": "Menyiapkan data contoh (sintetis) untuk pemakaian pertama…",
        "en": "Preparing the sample (synthetic) data for the first run…",
    },
    "app.demo_ready": {"id": "Data contoh siap.", "en": "Sample data ready."},
    "app.demo_remove": {"id": "Hapus data contoh", "en": "Remove the sample data"},
    "app.demo_remove.confirm": {"id": "Ya, hapus data contoh", "en": "Yes, remove the sample data"},
    "app.demo_remove.help": {
        "id": "Mengosongkan penyimpanan agar ekspor e-PPGBM asli dapat dimuat; "
        "data contoh tidak dibuat lagi.",
        "en": "Empties the store so real e-PPGBM exports can be loaded; the sample data is not rebuilt.",
    },
    "app.empty_store": {
        "id": "Data contoh sudah dihapus dan penyimpanan kosong. Muat ekspor e-PPGBM dengan "
        "`python -m stunting ingest FILE` (pratinjau dulu dengan `--dry-run`), lalu muat ulang halaman ini.",
        "en": "The sample data was removed and the store is empty. Load e-PPGBM exports with "
        "`python -m stunting ingest FILE` (preview first with `--dry-run`), then reload this page.",
    },
    "app.store_outdated": {
        "id": "Penyimpanan data ditulis oleh versi Peta Stunting yang lebih lama (anak dan hitungan dikunci "
        "dengan cara lain), jadi angkanya salah. Bangun ulang: muat lagi ekspor e-PPGBM ke folder data baru "
        "(`python -m stunting ingest FILE --data-dir FOLDER`).",
        "en": "The data store was written by an older Peta Stunting (children and counts keyed differently), "
        "so its numbers would be wrong. Rebuild it: import the e-PPGBM exports again into a new data folder "
        "(`python -m stunting ingest FILE --data-dir FOLDER`).",
    },
    "app.no_data": {
        "id": "Belum ada data pengukuran. Muat ekspor e-PPGBM dengan `python -m stunting ingest`.",
        "en": "No measurements yet. Load an e-PPGBM export with `python -m stunting ingest`.",
    },
    "sidebar.language": {"id": "Bahasa", "en": "Language"},
    "sidebar.regency": {"id": "Kabupaten/Kota", "en": "Regency/city"},
    "sidebar.regency.all": {"id": "Kukar dan Bontang", "en": "Kukar and Bontang"},
    "sidebar.indicator": {"id": "Indikator", "en": "Indicator"},
    "sidebar.period": {"id": "Periode", "en": "Period"},
    "sidebar.period.weighing": {"id": "{month} · bulan timbang", "en": "{month} · weighing month"},
    "sidebar.kecamatan": {"id": "Kecamatan", "en": "District (kecamatan)"},
    "sidebar.kecamatan.all": {"id": "Semua kecamatan", "en": "All districts"},
    "sidebar.sex": {"id": "Jenis kelamin", "en": "Sex"},
    "sidebar.sex.all": {"id": "Semua", "en": "All"},
    "sidebar.age_group": {"id": "Kelompok umur", "en": "Age group"},
    "sidebar.age_group.all": {"id": "Semua umur (0–59 bulan)", "en": "All ages (0–59 months)"},
    "sidebar.demo_badge": {"id": "data contoh (sintetis)", "en": "sample data (synthetic)"},
    "indicator.stunting": {"id": "Stunting (pendek)", "en": "Stunting"},
    "indicator.severe_stunting": {"id": "Stunting berat (sangat pendek)", "en": "Severe stunting"},
    "indicator.wasting": {"id": "Wasting (gizi kurang)", "en": "Wasting"},
    "indicator.underweight": {"id": "Underweight (berat badan kurang)", "en": "Underweight"},
    "sex.L": {"id": "Laki-laki", "en": "Boys"},
    "sex.P": {"id": "Perempuan", "en": "Girls"},
    "age_group.label": {"id": "{group} bulan", "en": "{group} months"},
    "unit.children": {"id": "{count} anak", "en": "{count} children"},
    "unit.villages": {"id": "{count} desa/kel.", "en": "{count} villages"},
    "unit.villages.too_few": {"id": "{count} terlalu sedikit anak", "en": "{count} with too few children"},
    "unit.villages.no_data": {"id": "{count} tanpa data", "en": "{count} without data"},
    "unit.points": {"id": "{value} poin persen", "en": "{value} percentage points"},
    "provenance": {
        "id": "{period} · sumber: {source} · {children}",
        "en": "{period} · source: {source} · {children}",
    },
    "provenance.trend": {
        "id": "{first}–{last} · sumber: {source} · {children} pada {month}",
        "en": "{first}–{last} · source: {source} · {children} in {month}",
    },
    "source.measurements": {"id": "e-PPGBM (per anak)", "en": "e-PPGBM (per child)"},
    "source.aggregate": {"id": "rekap desa", "en": "village summary"},
    "source.none": {"id": "tidak ada data", "en": "no data"},
    "source.demo": {"id": "data contoh (sintetis)", "en": "sample data (synthetic)"},
    "rate.with_ci": {"id": "{rate} (IK 95%: {low}–{high})", "en": "{rate} (95% CI: {low}–{high})"},
    "rate.too_few": {
        "id": "terlalu sedikit anak (< {minimum})",
        "en": "too few children (< {minimum})",
    },
    "rate.no_data": {"id": "tidak ada data", "en": "no data"},
    "download.csv": {"id": "Unduh CSV", "en": "Download CSV"},
    "notice.url": {
        "id": "Tautan berisi nilai yang tidak dikenal ({details}); tampilan bawaan dipakai.",
        "en": "The link holds values we do not know ({details}); showing the default view.",
    },
    "notice.url.item": {"id": "{name}={value}", "en": "{name}={value}"},
}

# ---------------------------------------------------------------------------------------------
# Map page (pages/map.py, geo/choropleth.py, ui/map_panel.py).
# ---------------------------------------------------------------------------------------------
_MAP: dict[str, dict[str, str]] = {
    "map.title": {"id": "Peta {indicator}", "en": "{indicator} map"},
    "map.subtitle": {
        "id": "Prevalensi per desa/kelurahan · {period} · {area}",
        "en": "Prevalence by village · {period} · {area}",
    },
    "map.options": {"id": "Tampilan peta", "en": "Map display"},
    "map.classes": {"id": "Kelas warna", "en": "Colour classes"},
    "map.classes.who": {"id": "Ambang WHO/UNICEF", "en": "WHO/UNICEF thresholds"},
    "map.classes.quantiles": {"id": "Kuantil (jumlah desa sama)", "en": "Quantiles (equal counts)"},
    "map.classes.natural_breaks": {"id": "Jeda alami (Jenks)", "en": "Natural breaks (Jenks)"},
    "map.outlines": {"id": "Batas kecamatan", "en": "District outlines"},
    "map.labels": {"id": "Nama desa", "en": "Village names"},
    "map.fullscreen": {"id": "Peta layar penuh", "en": "Full-screen map"},
    "map.basemap": {
        "id": "Peta dasar OpenStreetMap (perlu internet)",
        "en": "OpenStreetMap basemap (needs internet)",
    },
    "map.click_hint": {
        "id": "Klik sebuah desa untuk melihat tren dan rinciannya.",
        "en": "Click a village to see its trend and breakdown.",
    },
    "map.schematic": {
        "id": "Batas skematis — bukan batas resmi",
        "en": "Schematic boundaries — not official",
    },
    "map.schematic_note": {
        "id": "Batas desa belum dipasang: peta memakai batas skematis (bukan batas resmi). "
        "Pasang batas dengan `python -m stunting boundaries fetch` atau `import`.",
        "en": "No village boundaries installed: the map uses schematic shapes (not official). "
        "Install boundaries with `python -m stunting boundaries fetch` or `import`.",
    },
    "legend.title": {"id": "Prevalensi {indicator}", "en": "{indicator} prevalence"},
    "legend.source.who_stunting": {
        "id": "Ambang WHO/UNICEF (de Onis dkk. 2019)",
        "en": "WHO/UNICEF thresholds (de Onis et al. 2019)",
    },
    "legend.source.who_wasting": {
        "id": "Ambang WHO/UNICEF (de Onis dkk. 2019)",
        "en": "WHO/UNICEF thresholds (de Onis et al. 2019)",
    },
    "legend.source.who_underweight": {
        "id": "Kelas WHO (Komite Ahli WHO 1995)",
        "en": "WHO classes (WHO Expert Committee 1995)",
    },
    "legend.source.severe_stunting": {
        "id": "Ambang wasting WHO/UNICEF dipakai (WHO tidak punya kelas stunting berat)",
        "en": "WHO/UNICEF wasting thresholds used (WHO has no severe-stunting classes)",
    },
    "legend.source.quantiles": {
        "id": "Kuantil dari desa yang dipetakan",
        "en": "Quantiles of mapped villages",
    },
    "legend.source.natural_breaks": {
        "id": "Jeda alami (Fisher-Jenks) dari desa yang dipetakan",
        "en": "Natural breaks (Fisher-Jenks) of mapped villages",
    },
    "class.very_low": {"id": "sangat rendah", "en": "very low"},
    "class.low": {"id": "rendah", "en": "low"},
    "class.medium": {"id": "sedang", "en": "medium"},
    "class.high": {"id": "tinggi", "en": "high"},
    "class.very_high": {"id": "sangat tinggi", "en": "very high"},
    "class.quantiles": {"id": "kuantil {position} dari {count}", "en": "quantile {position} of {count}"},
    "class.natural_breaks": {"id": "kelompok {position} dari {count}", "en": "group {position} of {count}"},
    "class.range.below": {"id": "< {high}", "en": "< {high}"},
    "class.range.between": {"id": "{low} – < {high}", "en": "{low} – < {high}"},
    "class.range.above": {"id": "≥ {low}", "en": "≥ {low}"},
    "class.too_few": {"id": "Terlalu sedikit anak (< {minimum})", "en": "Too few children (< {minimum})"},
    "class.no_data": {"id": "Tidak ada data", "en": "No data"},
    "class.too_few.short": {"id": "sedikit anak", "en": "too few"},
    "class.no_data.short": {"id": "tanpa data", "en": "no data"},
    "tooltip.village": {"id": "Desa/Kel.", "en": "Village"},
    "tooltip.kecamatan": {"id": "Kecamatan", "en": "District"},
    "tooltip.prevalence": {"id": "Prevalensi", "en": "Prevalence"},
    "tooltip.children": {"id": "Anak diukur", "en": "Children measured"},
    "tooltip.period": {"id": "Periode", "en": "Period"},
    "kpi.prevalence": {"id": "Prevalensi {area}", "en": "{area} prevalence"},
    "kpi.ci": {"id": "IK 95%: {low}–{high}", "en": "95% CI: {low}–{high}"},
    "kpi.children": {"id": "Anak diukur", "en": "Children measured"},
    "kpi.classes": {"id": "Desa per kelas", "en": "Villages per class"},
    "kpi.change": {"id": "Perubahan sejak {period}", "en": "Change since {period}"},
    "kpi.change.short": {"id": "Sejak {period}", "en": "Since {period}"},
    "kpi.change.was": {"id": "{period}: {rate}", "en": "{period}: {rate}"},
    "kpi.change.none": {
        "id": "Tidak ada data {period} untuk dibandingkan",
        "en": "No {period} data to compare with",
    },
    "kpi.change.value": {"id": "{sign}{value} poin", "en": "{sign}{value} points"},
    "kpi.compared_with": {"id": "pembanding: {provenance}", "en": "compared with: {provenance}"},
    "table.villages": {"id": "Tabel desa/kelurahan", "en": "Village table"},
    "table.code": {"id": "Kode", "en": "Code"},
    "table.name": {"id": "Nama", "en": "Name"},
    "table.kecamatan": {"id": "Kecamatan", "en": "District"},
    "table.area": {"id": "Wilayah", "en": "Area"},
    "table.level": {"id": "Tingkat", "en": "Level"},
    "table.period": {"id": "Periode", "en": "Period"},
    "table.group": {"id": "Kelompok", "en": "Group"},
    "table.measured": {"id": "Anak diukur", "en": "Children measured"},
    "table.cases": {"id": "Kasus", "en": "Cases"},
    "table.prevalence": {"id": "Prevalensi (%)", "en": "Prevalence (%)"},
    "table.ci_low": {"id": "IK 95% bawah (%)", "en": "95% CI low (%)"},
    "table.ci_high": {"id": "IK 95% atas (%)", "en": "95% CI high (%)"},
    "table.suppressed": {"id": "Terlalu sedikit anak", "en": "Too few children"},
    "table.class": {"id": "Kelas", "en": "Class"},
    "table.source": {"id": "Sumber", "en": "Source"},
    "level.village": {"id": "Desa/Kel.", "en": "Village"},
    "area.kecamatan": {"id": "Kec. {name}", "en": "{name} district"},
    "level.kecamatan": {"id": "Kecamatan", "en": "District"},
    "level.regency": {"id": "Kabupaten/Kota", "en": "Regency/city"},
    "panel.title": {"id": "Desa/Kel. {name}, Kec. {kecamatan}", "en": "{name} village, {kecamatan} district"},
    "panel.close": {"id": "Tutup panel desa", "en": "Close village panel"},
    "panel.trend": {"id": "Tren {indicator}", "en": "{indicator} trend"},
    "panel.trend.band": {"id": "IK 95%", "en": "95% CI"},
    "panel.trend.too_few": {
        "id": "Tidak ada tren: di setiap periode terlalu sedikit anak (< {minimum}) untuk sebuah angka.",
        "en": "No trend: every period has too few children (< {minimum}) for a rate.",
    },
    "panel.trend.none": {
        "id": "Belum ada data tren untuk desa ini.",
        "en": "No trend data for this village yet.",
    },
    "panel.breakdown": {"id": "Menurut umur dan jenis kelamin", "en": "By age group and sex"},
    "panel.breakdown.none": {
        "id": "Tidak ada rincian untuk periode ini.",
        "en": "No breakdown for this period.",
    },
    "panel.breakdown.too_few": {
        "id": "Setiap kelompok umur di desa ini punya terlalu sedikit anak (< {minimum}) untuk dirinci.",
        "en": "Every age group in this village has too few children (< {minimum}) to break down.",
    },
    "panel.compare": {"id": "Dibanding kecamatan dan kabupaten", "en": "Against its district and regency"},
    "panel.tab.trend": {"id": "Tren", "en": "Trend"},
    "panel.tab.breakdown": {"id": "Umur & jenis kelamin", "en": "Age & sex"},
    "panel.tab.compare": {"id": "Perbandingan", "en": "Comparison"},
    "panel.unknown_village": {
        "id": "Desa dengan kode {code} tidak ada di wilayah ini.",
        "en": "No village with code {code} in this area.",
    },
    "chart.age": {"id": "Kelompok umur (bulan)", "en": "Age group (months)"},
    "chart.prevalence": {"id": "Prevalensi", "en": "Prevalence"},
    "chart.period": {"id": "Bulan", "en": "Month"},
    "chart.too_few": {
        "id": "Batang kosong: terlalu sedikit anak (< {minimum}).",
        "en": "Missing bars: too few children (< {minimum}).",
    },
}

# ---------------------------------------------------------------------------------------------
# Comparison page (pages/compare.py, charts/compare.py): keys prefixed "compare.".
# ---------------------------------------------------------------------------------------------
_COMPARISON: dict[str, dict[str, str]] = {
    "compare.page": {"id": "Bandingkan", "en": "Compare"},
    "compare.title": {"id": "Bandingkan {indicator}", "en": "Compare {indicator}"},
    "compare.side.a": {"id": "Wilayah A", "en": "Area A"},
    "compare.side.b": {"id": "Wilayah B", "en": "Area B"},
    "compare.period_b": {"id": "Periode wilayah B", "en": "Period of area B"},
    "compare.period_b.same": {"id": "Sama dengan A ({month})", "en": "Same as A ({month})"},
    "compare.area.regency": {"id": "{name}", "en": "{name}"},
    "compare.area.kecamatan": {"id": "Kec. {name} · {regency}", "en": "{name} district · {regency}"},
    "compare.area.village": {"id": "{name} · Kec. {kecamatan}", "en": "{name} · {kecamatan} district"},
    "compare.same": {
        "id": "Kedua sisi sama ({area}, {period}): pilih dua wilayah, atau satu wilayah pada dua periode.",
        "en": "Both sides are the same ({area}, {period}): choose two areas, or one area in two periods.",
    },
    "compare.difference": {"id": "Selisih A − B", "en": "Difference A − B"},
    "compare.difference.ci": {
        "id": "IK 95%: {low} s.d. {high} poin · {p}",
        "en": "95% CI: {low} to {high} points · {p}",
    },
    "compare.overlap.same": {
        "id": "{area} pada {period_a} dan {period_b}: {children} ditimbang pada kedua periode. "
        "Selisih, IK 95% dan nilai p memperhitungkan anak yang sama ini (bukan dua sampel terpisah).",
        "en": "{area} in {period_a} and {period_b}: {children} were weighed in both periods. The "
        "difference, its 95% CI and p-value allow for these shared children (not two separate samples).",
    },
    "compare.overlap.nested": {
        "id": "{inner} termasuk dalam {outer}: anak-anaknya dihitung di kedua sisi ({children} pada "
        "keduanya). Ini membandingkan {inner} dengan wilayah yang mencakupnya, bukan dengan wilayah "
        "lain; selisih dan IK 95% memperhitungkan anak yang sama.",
        "en": "{inner} lies within {outer}: its children are counted on both sides ({children} in "
        "both). This compares {inner} with the larger area containing it, not with another area; the "
        "difference and its 95% CI allow for the shared children.",
    },
    "compare.p": {"id": "p = {p}", "en": "p = {p}"},
    "compare.p.small": {"id": "p < {p}", "en": "p < {p}"},
    "compare.difference.real": {
        "id": "Selisih ini nyata secara statistik: IK 95% tidak mencakup nol.",
        "en": "The difference is statistically clear: its 95% CI excludes zero.",
    },
    "compare.difference.noise": {
        "id": "Selisih ini bisa terjadi karena kebetulan: IK 95% mencakup nol.",
        "en": "The difference could be chance: its 95% CI includes zero.",
    },
    "compare.not_possible": {
        "id": "Perbandingan tidak mungkin: {area} hanya punya {children} (minimal {minimum} anak per sisi).",
        "en": "Comparison not possible: {area} has only {children} (at least {minimum} per side needed).",
    },
    "compare.standardised": {
        "id": "Disetarakan umur dan jenis kelamin: A {a} · B {b} · selisih {difference} poin",
        "en": "Age-sex standardised: A {a} · B {b} · difference {difference} points",
    },
    "compare.standardised.help": {
        "id": "Kedua wilayah dihitung seolah menimbang susunan umur (0–5, 6–11, 12–23, 24–35, 36–47, "
        "48–59 bulan) dan jenis kelamin yang sama, yaitu gabungan anak kedua wilayah (standardisasi "
        "langsung). Stunting naik tajam dari umur 6 ke 24 bulan, jadi wilayah yang menimbang lebih "
        "banyak bayi tampak lebih baik tanpa benar-benar lebih baik.",
        "en": "Both areas computed as if they had weighed the same mix of ages (0–5, 6–11, 12–23, "
        "24–35, 36–47, 48–59 months) and sexes: the two areas' children together (direct "
        "standardisation). Stunting rises steeply from 6 to 24 months, so an area that weighs more "
        "infants looks better without being better.",
    },
    "compare.standardised.not_possible": {
        "id": "Penyetaraan umur dan jenis kelamin tidak mungkin: ada kelompok umur × jenis kelamin "
        "yang hanya berisi anak dari satu wilayah.",
        "en": "Age-sex standardisation not possible: some age group × sex has children on one side only.",
    },
    "compare.verdict.reversed": {
        "id": "Hati-hati: selisih kasar ({crude} poin) berbalik arah setelah umur dan jenis kelamin "
        "disetarakan ({standardised} poin). Kedua wilayah menimbang anak dengan susunan umur yang "
        "berbeda; bandingkan yang setara sebelum menyimpulkan wilayah mana yang lebih baik.",
        "en": "Careful: the crude gap ({crude} points) reverses once age and sex are made equal "
        "({standardised} points). The two areas weighed children of different ages; compare like "
        "with like before saying which area is doing better.",
    },
    "compare.verdict.explained_by_age": {
        "id": "Sebagian besar selisih kasar ({crude} poin) berasal dari umur anak yang ditimbang, "
        "bukan dari wilayahnya: bila susunan umur dan jenis kelamin disamakan, selisihnya "
        "{standardised} poin.",
        "en": "Most of the crude gap ({crude} points) comes from the ages of the children weighed, not "
        "from the areas: with the same mix of ages and sexes the gap is {standardised} points.",
    },
    "compare.verdict.hidden_by_age": {
        "id": "Selisih kasar ({crude} poin) menutupi sebagian perbedaan: bila susunan umur dan jenis "
        "kelamin disamakan, selisihnya {standardised} poin.",
        "en": "The crude gap ({crude} points) hides part of the difference: with the same mix of ages "
        "and sexes the gap is {standardised} points.",
    },
    "compare.maps": {
        "id": "Peta desa/kelurahan — satu skala warna untuk kedua wilayah",
        "en": "Village maps — one colour scale for both areas",
    },
    "compare.tab.trend": {"id": "Tren", "en": "Trend"},
    "compare.tab.indicators": {
        "id": "Stunting, wasting, underweight",
        "en": "Stunting, wasting, underweight",
    },
    "compare.tab.distribution": {"id": "Sebaran desa", "en": "Village spread"},
    "compare.tab.ranking": {"id": "Peringkat desa", "en": "Village ranking"},
    "compare.tab.change": {"id": "Perubahan per desa", "en": "Change by village"},
    "compare.tab.age": {"id": "Menurut umur", "en": "By age"},
    "compare.png_hint": {
        "id": "Unduh gambar PNG: ikon kamera di pojok kanan atas grafik.",
        "en": "Download as PNG: the camera icon at the chart's top right.",
    },
    "compare.trend.title": {"id": "Tren {indicator}", "en": "{indicator} trend"},
    "compare.trend.survey": {"id": "Survei resmi · {area}", "en": "Official survey · {area}"},
    "compare.trend.raga_pantas": {"id": "Raga Pantas mulai ({year})", "en": "Raga Pantas starts ({year})"},
    "compare.trend.target": {
        "id": "Target nasional {rate} pada {year} (RPJMN 2020–2024)",
        "en": "National target {rate} by {year} (RPJMN 2020–2024)",
    },
    "compare.trend.caption": {
        "id": "Garis: {lines} dengan IK 95%. Bintang: survei resmi ({surveys}). Penimbangan rutin biasanya "
        "menemukan stunting jauh lebih sedikit daripada survei; selisih itu bagian dari cerita.",
        "en": "Lines: {lines} with 95% CI. Stars: official surveys ({surveys}). Routine weighing usually "
        "finds far less stunting than the surveys; that gap is part of the story.",
    },
    "compare.trend.routine": {"id": "e-PPGBM (penimbangan rutin)", "en": "e-PPGBM (routine weighing)"},
    "compare.scale.width": {"id": "Lebar wilayah ±{km} km", "en": "Area ±{km} km across"},
    "compare.scale.zoomed": {
        "id": "digambar ±{factor}× lebih besar daripada peta {other}",
        "en": "drawn ±{factor}× larger than map {other}",
    },
    "compare.distribution.title": {"id": "Prevalensi per desa/kelurahan", "en": "Prevalence by village"},
    "compare.distribution.caption": {
        "id": "Tidak digambar: {too_few} desa dengan terlalu sedikit anak (< {minimum}) dan {no_data} desa "
        "tanpa data.",
        "en": "Not drawn: {too_few} villages with too few children (< {minimum}) and {no_data} villages "
        "without data.",
    },
    "compare.classes.title": {"id": "Desa per kelas WHO", "en": "Villages per WHO class"},
    "compare.ranking.title": {
        "id": "Desa dengan prevalensi tertinggi",
        "en": "Villages with the highest prevalence",
    },
    "compare.ranking.small": {
        "id": "* dan titik kosong: kurang dari {minimum} anak, urutannya sebagian besar kebetulan.",
        "en": "* and hollow marker: fewer than {minimum} children, its place is mostly chance.",
    },
    "compare.change.title": {
        "id": "Perubahan per desa (poin persen, IK 95%)",
        "en": "Change by village (percentage points, 95% CI)",
    },
    "compare.change.axis": {"id": "Perubahan", "en": "Change"},
    "compare.change.order": {"id": "Desa, diurutkan menurut perubahan", "en": "Villages, ordered by change"},
    "compare.change.caption": {
        "id": "A: {baseline_a} → {period_a}; B: {baseline_b} → {period_b}. Desa dengan kurang dari "
        "{minimum} anak pada salah satu bulan tidak digambar.",
        "en": "A: {baseline_a} → {period_a}; B: {baseline_b} → {period_b}. Villages with fewer than "
        "{minimum} children in either month are not drawn.",
    },
    "compare.change.none": {
        "id": "Belum ada bulan awal yang lebih dulu untuk dibandingkan.",
        "en": "No earlier month in the store to compare with.",
    },
    "compare.age.title": {"id": "Prevalensi menurut kelompok umur", "en": "Prevalence by age group"},
    "compare.table.side": {"id": "Wilayah", "en": "Area"},
    "compare.table.rank": {"id": "Peringkat", "en": "Rank"},
    "compare.table.small": {"id": "Jumlah anak kecil", "en": "Small numbers"},
    "compare.table.baseline": {"id": "Bulan awal", "en": "Baseline month"},
    "compare.table.measured_baseline": {"id": "Anak diukur (awal)", "en": "Children measured (baseline)"},
    "compare.table.prevalence_baseline": {"id": "Prevalensi awal (%)", "en": "Baseline prevalence (%)"},
    "compare.table.change": {"id": "Perubahan (poin persen)", "en": "Change (percentage points)"},
    "compare.table.change_ci_low": {"id": "IK 95% bawah (poin)", "en": "95% CI low (points)"},
    "compare.table.change_ci_high": {"id": "IK 95% atas (poin)", "en": "95% CI high (points)"},
    "compare.table.possible": {
        "id": "Cukup anak (≥ {minimum} tiap bulan)",
        "en": "Enough children (≥ {minimum} each month)",
    },
}

# ---------------------------------------------------------------------------------------------
# Other pages add their sections here, e.g. ``_COMPARISON: dict[str, dict[str, str]] = {...}``
# with keys prefixed by the page ("comparison.") and then append it to _SECTIONS.
# ---------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------
# Story page and exports (pages/story.py, ui/story_button.py, render/, render/export.py):
# keys prefixed "story.".
# ---------------------------------------------------------------------------------------------
_STORY: dict[str, dict[str, str]] = {
    "story.page": {"id": "Cerita", "en": "Story"},
    "story.intro": {
        "id": "Urutan tampilan untuk rapat dan studi tiru: sajikan satu per satu, atau unduh sebagai "
        "PPTX/PDF untuk dibawa pulang.",
        "en": "A sequence of views for meetings and study visits: present one at a time, or download "
        "as PPTX/PDF to take home.",
    },
    "story.add": {"id": "Tambahkan tampilan ini ke cerita", "en": "Add this view to the story"},
    "story.added": {
        "id": "Ditambahkan sebagai slide {number}. Buka halaman Cerita untuk memberi judul.",
        "en": "Added as slide {number}. Open the Story page to give it a title.",
    },
    "story.untitled": {"id": "(tanpa judul)", "en": "(untitled)"},
    "story.latest": {"id": "periode terbaru", "en": "latest period"},
    "story.slides": {"id": "Slide", "en": "Slides"},
    "story.slide_label": {"id": "{number}. {title}", "en": "{number}. {title}"},
    "story.slide_counter": {"id": "Slide {number} dari {total}", "en": "Slide {number} of {total}"},
    "story.page.map": {"id": "Peta", "en": "Map"},
    "story.page.compare": {"id": "Bandingkan", "en": "Compare"},
    "story.figure": {"id": "Bagian halaman", "en": "Part of the page"},
    "story.figure.map": {"id": "peta", "en": "map"},
    "story.figure.headline": {"id": "angka utama", "en": "headline"},
    "story.figure.trend": {"id": "tren", "en": "trend"},
    "story.figure.ranking": {"id": "peringkat desa", "en": "village ranking"},
    "story.figure.age_profile": {"id": "menurut umur", "en": "by age"},
    "story.move_up": {"id": "Naik", "en": "Move up"},
    "story.move_down": {"id": "Turun", "en": "Move down"},
    "story.delete": {"id": "Hapus", "en": "Delete"},
    "story.edit": {"id": "Ubah judul dan narasi", "en": "Edit title and narrative"},
    "story.field.title": {"id": "Judul ({language})", "en": "Title ({language})"},
    "story.field.narrative": {"id": "Narasi ({language})", "en": "Narrative ({language})"},
    "story.save": {"id": "Simpan", "en": "Save"},
    "story.reset": {"id": "Kembali ke cerita bawaan", "en": "Back to the built-in story"},
    "story.upload": {"id": "Unggah berkas cerita (YAML)", "en": "Upload a story file (YAML)"},
    "story.uploaded": {"id": "Cerita dimuat: {count} slide.", "en": "Story loaded: {count} slides."},
    "story.download_yaml": {"id": "Unduh berkas cerita (YAML)", "en": "Download the story file (YAML)"},
    "story.preparing": {"id": "Menggambar slide…", "en": "Drawing the slides…"},
    "story.download_pptx": {"id": "Unduh PPTX", "en": "Download PPTX"},
    "story.download_pdf": {"id": "Unduh PDF", "en": "Download PDF"},
    "story.present": {"id": "Mulai presentasi", "en": "Start presenting"},
    "upload.button": {"id": "Pilih berkas", "en": "Upload"},
    "upload.limit": {"id": "Maks. {size} MB per berkas • {types}", "en": "{size} MB per file • {types}"},
    "story.show_narrative": {"id": "Tampilkan narasi", "en": "Show the narrative"},
    "story.exit": {"id": "Keluar dari presentasi", "en": "Leave presentation"},
    "story.next": {"id": "Berikutnya", "en": "Next"},
    "story.previous": {"id": "Sebelumnya", "en": "Previous"},
    "story.keys": {
        "id": "Tombol panah kiri/kanan juga berpindah slide.",
        "en": "The left/right arrow keys also change slides.",
    },
    "story.slide_error": {
        "id": "Slide ini tidak bisa ditampilkan: {error}",
        "en": "This slide cannot be shown: {error}",
    },
    "story.north": {"id": "U", "en": "N"},
    "story.attribution": {"id": "Batas desa: {source}", "en": "Village boundaries: {source}"},
    "story.headline.title": {
        "id": "{indicator}: apa adanya dan disetarakan",
        "en": "{indicator}: crude and standardised",
    },
    "story.headline.crude": {"id": "Apa adanya", "en": "Crude"},
    "story.headline.standardised": {"id": "Disetarakan umur dan jenis kelamin", "en": "Age-sex standardised"},
    "story.headline.difference": {
        "id": "Selisih A − B: {value} poin",
        "en": "Difference A − B: {value} points",
    },
    "story.ci_bars": {"id": "Garis hitam: IK 95%", "en": "Black lines: 95% CI"},
}

_SECTIONS: tuple[dict[str, dict[str, str]], ...] = (_COMMON, _MAP, _COMPARISON, _STORY)


def _merge(sections: tuple[dict[str, dict[str, str]], ...]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for section in sections:
        clash = merged.keys() & section.keys()
        if clash:
            raise ValueError(f"UI string keys defined twice: {sorted(clash)}")
        merged.update(section)
    return merged


CATALOGUE: dict[str, dict[str, str]] = _merge(_SECTIONS)


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {lang!r}")
    return lang


def t(key: str, lang: str, **fmt: object) -> str:
    """The UI string ``key`` in ``lang``, with ``{placeholders}`` filled from ``fmt``."""
    text = CATALOGUE[key][check_language(lang)]
    return text.format(**fmt) if fmt else text


def _locale(lang: str) -> str:
    return check_language(lang)


# A map formats about a thousand numbers per rerun; parsing the same pattern each time was a third of
# the map's build time.
@lru_cache(maxsize=32)
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


@lru_cache(maxsize=4)
def _babel(lang: str) -> Locale:
    return Locale.parse(check_language(lang))


def fmt_percent(fraction: float | None, lang: str, decimals: int = 1) -> str:
    """A fraction 0-1 as a percentage: 0.271 -> "27,1%" (id) / "27.1%" (en); "–" when missing."""
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return "–"
    return _pattern("#,##0" + ("." + "0" * decimals if decimals else "") + "%").apply(fraction, _babel(lang))


def fmt_number(value: float, lang: str, decimals: int = 0) -> str:
    """A plain number with the language's separators: 1234 -> "1.234" (id) / "1,234" (en)."""
    return _pattern("#,##0" + ("." + "0" * decimals if decimals else "")).apply(value, _babel(lang))


def fmt_points(fraction_change: float, lang: str) -> str:
    """A change between two fractions in percentage points, signed: 0.012 -> "+1,2"."""
    # ASCII minus: st.metric reads the sign of a delta string to pick its arrow.
    sign = "+" if fraction_change > 0 else ("-" if fraction_change < 0 else "±")
    return sign + fmt_number(abs(fraction_change) * 100, lang, decimals=1)


def fmt_children(count: int, lang: str) -> str:
    """1234 -> "1.234 anak" (id) / "1,234 children" (en)."""
    return t("unit.children", lang, count=fmt_number(int(count), lang))


def fmt_date(day: dt.date, lang: str) -> str:
    """13 August 2024 -> "13 Agustus 2024" (id)."""
    return format_date(day, "d MMMM y", locale=_locale(lang))


def period_date(period: str) -> dt.date:
    """``YYYY-MM`` -> the first day of that month (ValueError when it is not such a month)."""
    year, month = period.split("-")
    if len(year) != 4 or len(month) != 2:
        raise ValueError(f"period must look like 2024-08, not {period!r}")
    return dt.date(int(year), int(month), 1)


def fmt_month(period: str, lang: str) -> str:
    """ "2024-08" -> "Agustus 2024" (id) / "August 2024" (en)."""
    return format_date(period_date(period), "LLLL y", locale=_locale(lang))


def fmt_month_short(period: str, lang: str) -> str:
    """ "2024-08" -> "Agu 2024" (id) / "Aug 2024" (en): chart axes with many months."""
    return format_date(period_date(period), "LLL y", locale=_locale(lang))


def period_a_year_before(period: str) -> str:
    """ "2024-08" -> "2023-08": the same weighing month a year earlier."""
    day = period_date(period)
    return f"{day.year - 1:04d}-{day.month:02d}"


def source_text(sources, lang: str, demo: bool) -> str:
    """Where a number comes from: "data contoh (sintetis)" for the demo store, else the sources."""
    if demo:
        return t("source.demo", lang)
    known = sorted({s for s in sources if isinstance(s, str)})
    return ", ".join(t(f"source.{s}", lang) for s in known) if known else t("source.none", lang)


def provenance(period: str | tuple[str, str], sources, children: int, lang: str, demo: bool) -> str:
    """The line under every number: period (or first and last period), source and the children it
    rests on."""
    if isinstance(period, tuple):
        when = f"{fmt_month(period[0], lang)}–{fmt_month(period[1], lang)}"
    else:
        when = fmt_month(period, lang)
    return t(
        "provenance",
        lang,
        period=when,
        source=source_text(sources, lang, demo),
        children=fmt_children(children, lang),
    )


def trend_provenance(first: str, last: str, sources, children: int, month: str, lang: str, demo: bool) -> str:
    """The line under a trend: its first and last period, source, and the children of one month.

    Children are counted in one month (``month``), never summed over the trend: the same child is
    weighed every round, so a sum would count most children many times over.
    """
    return t(
        "provenance.trend",
        lang,
        first=fmt_month(first, lang),
        last=fmt_month(last, lang),
        source=source_text(sources, lang, demo),
        children=fmt_children(children, lang),
        month=fmt_month(month, lang),
    )
