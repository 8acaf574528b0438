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
    "sidebar.regency.all": {"id": "Semua kab/kota yang ditampilkan", "en": "All regencies shown"},
    "sidebar.province": {"id": "Provinsi", "en": "Province"},
    "sidebar.province.national": {"id": "Indonesia (semua provinsi)", "en": "Indonesia (every province)"},
    "sidebar.regency.whole": {"id": "Seluruh {province}", "en": "All of {province}"},
    "sidebar.has_data": {
        "id": "● ada data · ketik untuk mencari",
        "en": "● has data · type to search",
    },
    "sidebar.indicator": {"id": "Indikator", "en": "Indicator"},
    "sidebar.period": {"id": "Periode", "en": "Period"},
    "sidebar.period.weighing": {"id": "{month} · bulan timbang", "en": "{month} · weighing month"},
    "sidebar.kecamatan": {"id": "Kecamatan", "en": "District (kecamatan)"},
    "sidebar.kecamatan.all": {"id": "Semua kecamatan", "en": "All districts"},
    "sidebar.sex": {"id": "Jenis kelamin", "en": "Sex"},
    "sidebar.sex.all": {"id": "Semua", "en": "All"},
    "sidebar.age_group": {"id": "Kelompok umur", "en": "Age group"},
    "sidebar.age_group.all": {"id": "Semua (0–59)", "en": "All (0–59)"},
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
    "unit.regencies": {"id": "{count} kab./kota", "en": "{count} regencies"},
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
    # Shown by the app while its import waits for another writer (stunting.snapshots.on_writer_wait).
    "store.writer_wait": {
        "id": "Import lain sedang berjalan; menunggu hingga selesai (paling lama {seconds} detik)…",
        "en": "Another import is running; waiting for it to finish (at most {seconds} s)…",
    },
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
    "map.boundary_unavailable": {
        "id": "batas tidak tersedia",
        "en": "boundary not available",
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
    # The national, province and kecamatan views (ui/map_panel.py, ui/breadcrumb.py).
    "tooltip.regency": {"id": "Kab./Kota", "en": "Regency/city"},
    "tooltip.province": {"id": "Provinsi", "en": "Province"},
    "tooltip.country": {"id": "Negara", "en": "Country"},
    "map.subtitle.short": {
        "id": "Prevalensi per desa/kelurahan · {period}",
        "en": "Prevalence by village · {period}",
    },
    "map.subtitle.regencies.short": {
        "id": "Prevalensi per kabupaten/kota · {period}",
        "en": "Prevalence by regency/city · {period}",
    },
    "map.labels.regencies": {"id": "Nama kabupaten/kota", "en": "Regency/city names"},
    "kpi.classes.regencies": {"id": "Kab./kota per kelas", "en": "Regencies per class"},
    "map.click_hint.regency": {
        "id": "Klik sebuah kabupaten/kota untuk membuka peta desanya.",
        "en": "Click a regency/city to open its village map.",
    },
    "map.schematic_note.national": {
        "id": "Batas kabupaten/kota nasional belum dipasang: peta memakai batas skematis (bukan batas "
        "resmi). Pasang batas dengan `python -m stunting boundaries fetch --overview`.",
        "en": "No national regency boundaries installed: the map uses schematic shapes (not official). "
        "Install them with `python -m stunting boundaries fetch --overview`.",
    },
    "map.country": {"id": "Indonesia", "en": "Indonesia"},
    "map.breadcrumb": {"id": "Wilayah peta", "en": "Map area"},
    "map.breadcrumb.up": {"id": "Buka peta {area}", "en": "Open the map of {area}"},
    "area.province": {"id": "Prov. {name}", "en": "{name} province"},
    "table.regencies": {"id": "Tabel kabupaten/kota", "en": "Regency/city table"},
    "table.province": {"id": "Provinsi", "en": "Province"},
    "kpi.regencies_with_rate": {"id": "Kab./kota dengan angka", "en": "Regencies with a rate"},
    "kpi.regencies_with_rate.value": {"id": "{shown} dari {total}", "en": "{shown} of {total}"},
    # A province view of its kecamatan (?province=33&areas=kecamatan).
    "sidebar.province_areas": {"id": "Tampilkan", "en": "Show"},
    "sidebar.province_areas.regency": {"id": "Kab./Kota", "en": "Regencies"},
    "sidebar.province_areas.kecamatan": {"id": "Kecamatan", "en": "Districts"},
    "map.subtitle.kecamatan.short": {
        "id": "Prevalensi per kecamatan · {period}",
        "en": "Prevalence by district (kecamatan) · {period}",
    },
    "map.labels.kecamatan": {"id": "Nama kecamatan", "en": "District names"},
    "kpi.classes.kecamatan": {"id": "Kecamatan per kelas", "en": "Districts per class"},
    "kpi.kecamatan_with_rate": {"id": "Kecamatan dengan angka", "en": "Districts with a rate"},
    "map.click_hint.kecamatan": {
        "id": "Klik sebuah kecamatan untuk membuka peta desanya.",
        "en": "Click a district to open its village map.",
    },
    "table.kecamatan_list": {"id": "Tabel kecamatan", "en": "District table"},
    "unit.kecamatan": {"id": "{count} kecamatan", "en": "{count} districts"},
    "area.province.kecamatan": {"id": "{name} (per kecamatan)", "en": "{name} (by district)"},
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
    # The pickers list the level first ("Kab." / "Kota" / "Kec." / "Desa" / "Kel."), in both
    # languages: the abbreviations are the names officials use, and a kecamatan named like a village
    # (Tenggarong, Muara Muntai) must not be mistaken for it.
    "compare.area.province": {"id": "Prov. {name}", "en": "Prov. {name} (province)"},
    "compare.area.regency": {"id": "{name} · {province}", "en": "{name} · {province}"},
    "compare.area.kecamatan": {"id": "Kec. {name} · {regency}", "en": "Kec. {name} · {regency}"},
    "compare.area.desa": {"id": "Desa {name} · Kec. {kecamatan}", "en": "Desa {name} · Kec. {kecamatan}"},
    "compare.area.kelurahan": {
        "id": "Kel. {name} · Kec. {kecamatan}",
        "en": "Kel. {name} · Kec. {kecamatan}",
    },
    "compare.weighting": {
        "id": "{area}: {child} menghitung semua anak kabupaten/kotanya bersama (bobot anak: jumlah "
        "anak semua kabupaten/kota). Dengan bobot penduduk (gazetir, wilayah_penduduk; {with_rate} "
        "dari {regencies} kabupaten/kota dengan angka, {covered} dari {population} jiwa): {weighted}.",
        "en": "{area}: {child} counts all children of its regencies together (child-weighted: the "
        "sum of its regencies' children). Weighted by population (gazetteer, wilayah_penduduk; "
        "{with_rate} of {regencies} regencies with a rate, {covered} of {population} people): {weighted}.",
    },
    "compare.weighting.children_only": {
        "id": "{area}: {child} menghitung semua anak kabupaten/kotanya bersama (bobot anak). Bobot "
        "penduduk tidak mungkin: tidak ada kabupaten/kota dengan anak cukup untuk angka.",
        "en": "{area}: {child} counts all children of its regencies together (child-weighted). No "
        "population-weighted total: no regency has enough children for a rate.",
    },
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
    "story.page.evaluate": {"id": "Apakah berhasil?", "en": "Did it help?"},
    "story.figure": {"id": "Bagian halaman", "en": "Part of the page"},
    "story.figure.map": {"id": "peta", "en": "map"},
    "story.figure.headline": {"id": "angka utama", "en": "headline"},
    "story.figure.trend": {"id": "tren", "en": "trend"},
    "story.figure.ranking": {"id": "peringkat desa", "en": "village ranking"},
    "story.figure.age_profile": {"id": "menurut umur", "en": "by age"},
    "story.figure.evaluation": {"id": "evaluasi program", "en": "programme evaluation"},
    "story.figure.programme_map": {"id": "peta program", "en": "programme map"},
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

# ---------------------------------------------------------------------------------------------
# Data quality (pages/quality.py, charts/quality.py, render/quality_report.py): keys "quality.".
# ---------------------------------------------------------------------------------------------
_QUALITY: dict[str, dict[str, str]] = {
    "quality.page": {"id": "Kualitas data", "en": "Data quality"},
    "quality.title": {"id": "Kualitas data · {month}", "en": "Data quality · {month}"},
    "quality.intro": {
        "id": "Bisakah angka ini dipercaya? Setiap pemeriksaan berdiri sendiri (WHO/UNICEF tidak "
        "menganjurkan skor gabungan). Abu-abu: terlalu sedikit anak untuk pemeriksaan itu.",
        "en": "Can this number be trusted? Each check stands on its own (WHO/UNICEF advise against a "
        "composite score). Grey: too few children for that check.",
    },
    "quality.level": {"id": "Tingkat", "en": "Level"},
    "quality.level.posyandu": {"id": "Posyandu", "en": "Posyandu"},
    "quality.level.puskesmas": {"id": "Puskesmas", "en": "Health centre (puskesmas)"},
    "quality.level.village": {"id": "Desa/kelurahan", "en": "Village"},
    "quality.level.kecamatan": {"id": "Kecamatan", "en": "District (kecamatan)"},
    "quality.level.regency": {"id": "Kabupaten/kota", "en": "Regency/city"},
    "quality.check": {"id": "Pemeriksaan", "en": "Check"},
    "quality.check.missing_height_pct": {"id": "Tinggi kosong", "en": "Height missing"},
    "quality.check.missing_weight_pct": {"id": "Berat kosong", "en": "Weight missing"},
    "quality.check.missing_position_pct": {"id": "Cara ukur kosong", "en": "Position missing"},
    "quality.check.flagged_haz_pct": {"id": "TB/U tidak wajar (flag WHO)", "en": "HAZ flagged (WHO)"},
    "quality.check.flagged_waz_pct": {"id": "BB/U tidak wajar (flag WHO)", "en": "WAZ flagged (WHO)"},
    "quality.check.flagged_whz_pct": {"id": "BB/TB tidak wajar (flag WHO)", "en": "WHZ flagged (WHO)"},
    "quality.check.position_mismatch_pct": {
        "id": "Cara ukur tidak sesuai umur",
        "en": "Position wrong for age",
    },
    "quality.check.standing_under_9m_pct": {
        "id": "Diukur berdiri di bawah 9 bulan",
        "en": "Measured standing under 9 months",
    },
    "quality.check.height_dps": {
        "id": "Preferensi digit tinggi (DPS)",
        "en": "Height digit preference (DPS)",
    },
    "quality.check.weight_dps": {"id": "Preferensi digit berat (DPS)", "en": "Weight digit preference (DPS)"},
    "quality.check.height_0_5_pct": {"id": "Tinggi berakhiran 0 atau 5", "en": "Heights ending in 0 or 5"},
    "quality.check.weight_0_5_pct": {"id": "Berat berakhiran 0 atau 5", "en": "Weights ending in 0 or 5"},
    "quality.check.sd_haz": {"id": "SD TB/U", "en": "SD of HAZ"},
    "quality.check.sd_waz": {"id": "SD BB/U", "en": "SD of WAZ"},
    "quality.check.sd_whz": {"id": "SD BB/TB", "en": "SD of WHZ"},
    "quality.check.skew_haz": {"id": "Kemencengan TB/U", "en": "Skewness of HAZ"},
    "quality.check.kurt_haz": {"id": "Kurtosis TB/U", "en": "Kurtosis of HAZ"},
    "quality.check.skew_waz": {"id": "Kemencengan BB/U", "en": "Skewness of WAZ"},
    "quality.check.kurt_waz": {"id": "Kurtosis BB/U", "en": "Kurtosis of WAZ"},
    "quality.check.skew_whz": {"id": "Kemencengan BB/TB", "en": "Skewness of WHZ"},
    "quality.check.kurt_whz": {"id": "Kurtosis BB/TB", "en": "Kurtosis of WHZ"},
    "quality.check.sex_ratio": {"id": "Rasio jenis kelamin (L/P)", "en": "Sex ratio (boys/girls)"},
    "quality.check.sex_ratio_p": {"id": "Uji rasio jenis kelamin (p)", "en": "Sex ratio test (p)"},
    "quality.check.age_whole_years_pct": {"id": "Umur tepat tahunan", "en": "Ages at whole years"},
    "quality.check.age_heaping_p": {"id": "Uji penumpukan umur (p)", "en": "Age heaping test (p)"},
    "quality.check.birth_day_1_15_pct": {
        "id": "Lahir tanggal 1 atau 15",
        "en": "Born on the 1st or 15th",
    },
    "quality.check.reported_z_disagree_pct": {
        "id": "Z-score e-PPGBM berbeda (> 0,1)",
        "en": "e-PPGBM z-scores differing (> 0.1)",
    },
    "quality.check.reported_z_mean_diff": {
        "id": "Rata-rata selisih z e-PPGBM",
        "en": "Mean difference of e-PPGBM z",
    },
    "quality.check.repeated_measurements_pct": {
        "id": "Pengukuran ulang dalam sebulan",
        "en": "Repeated measurements in the month",
    },
    "quality.check.probable_duplicates": {
        "id": "Kemungkinan anak ganda",
        "en": "Probable duplicate children",
    },
    "quality.check.probable_duplicates_pct": {
        "id": "Kemungkinan anak ganda (% anak)",
        "en": "Probable duplicates (% of children)",
    },
    "quality.check.nik_invalid_pct": {"id": "NIK salah bentuk", "en": "NIK malformed"},
    "quality.check.nik_date_mismatch_pct": {
        "id": "NIK dengan tanggal lahir lain",
        "en": "NIK with another birth date",
    },
    "quality.check.coverage_pct": {
        "id": "Cakupan (anak diukur ÷ sasaran balita)",
        "en": "Coverage (children measured ÷ target under-fives)",
    },
    "quality.class.ok": {"id": "dalam batas ({limit})", "en": "within limits ({limit})"},
    "quality.class.fail": {"id": "perlu dicek ({limit})", "en": "to be checked ({limit})"},
    "quality.class.excellent": {"id": "sangat baik (< 8)", "en": "excellent (< 8)"},
    "quality.class.good": {"id": "baik (8–< 12)", "en": "good (8–< 12)"},
    "quality.class.acceptable": {"id": "cukup (12–< 20)", "en": "acceptable (12–< 20)"},
    "quality.class.problematic": {"id": "bermasalah (≥ 20)", "en": "problematic (≥ 20)"},
    "quality.class.coverage_low": {"id": "< 50%", "en": "< 50%"},
    "quality.class.coverage_mid": {"id": "50%–< 80%", "en": "50%–< 80%"},
    "quality.class.coverage_high": {"id": "≥ 80%", "en": "≥ 80%"},
    "quality.no_target": {"id": "sasaran belum dimuat", "en": "targets not loaded"},
    "quality.pairs": {"id": "{count} pasang", "en": "{count} pairs"},
    "quality.legend.source": {
        "id": "Batas: {source}",
        "en": "Limits: {source}",
    },
    "quality.reading.missing_height_pct": {
        "id": "{value} anak tanpa tinggi badan: isian ekspor perlu dilengkapi",
        "en": "{value} of children without a height: the export needs completing",
    },
    "quality.reading.missing_weight_pct": {
        "id": "{value} anak tanpa berat badan: isian ekspor perlu dilengkapi",
        "en": "{value} of children without a weight: the export needs completing",
    },
    "quality.reading.flagged_haz_pct": {
        "id": "{value} TB/U tidak wajar (batas WHO/UNICEF 1%): cek tinggi dan tanggal lahir",
        "en": "{value} implausible HAZ (WHO/UNICEF limit 1%): check heights and birth dates",
    },
    "quality.reading.flagged_waz_pct": {
        "id": "{value} BB/U tidak wajar (batas WHO/UNICEF 1%): cek berat dan tanggal lahir",
        "en": "{value} implausible WAZ (WHO/UNICEF limit 1%): check weights and birth dates",
    },
    "quality.reading.flagged_whz_pct": {
        "id": "{value} BB/TB tidak wajar (batas WHO/UNICEF 1%): cek berat dan tinggi",
        "en": "{value} implausible WHZ (WHO/UNICEF limit 1%): check weights and heights",
    },
    "quality.reading.position_mismatch_pct": {
        "id": "{value} anak diukur dengan cara yang salah untuk umurnya (terlentang < 2 tahun, berdiri ≥ 2 "
        "tahun)",
        "en": "{value} of children measured in the wrong position for their age (lying < 2 years, standing "
        "≥ 2 years)",
    },
    "quality.reading.standing_under_9m_pct": {
        "id": "{value} bayi di bawah 9 bulan tercatat diukur berdiri: cara ukur salah isi",
        "en": "{value} of infants under 9 months recorded as measured standing: position mis-entered",
    },
    "quality.reading.height_dps": {
        "id": "{share} tinggi berakhiran 0 atau 5 (DPS {value}): alat atau cara ukur perlu dicek",
        "en": "{share} of heights end in 0 or 5 (DPS {value}): check the board or how it is read",
    },
    "quality.reading.weight_dps": {
        "id": "{share} berat berakhiran 0 atau 5 (DPS {value}): timbangan atau cara baca perlu dicek",
        "en": "{share} of weights end in 0 or 5 (DPS {value}): check the scale or how it is read",
    },
    "quality.reading.sd": {
        "id": "SD {value} di atas kisaran survei DHS ({low}–{high}): banyak kesalahan ukur",
        "en": "SD {value} above the DHS survey range ({low}–{high}): much measurement error",
    },
    "quality.reading.skew_kurt": {
        "id": "{check} {value} (SMART: ≥ ±0,6 bermasalah): sebaran tidak wajar",
        "en": "{check} {value} (SMART: ≥ ±0.6 problematic): an unusual distribution",
    },
    "quality.reading.sex_ratio_p": {
        "id": "Rasio L/P {value} jauh dari 1,05: anak satu jenis kelamin mungkin tidak tercatat",
        "en": "Boys/girls {value}, far from 1.05: children of one sex may be missing",
    },
    "quality.reading.age_heaping_p": {
        "id": "Umur menumpuk pada tahun genap ({value}): tanggal lahir mungkin ditaksir",
        "en": "Ages heap at whole years ({value}): birth dates may be guessed",
    },
    "quality.reading.birth_day_1_15_pct": {
        "id": "{value} lahir tanggal 1 atau 15 (wajar 6,6%): tanggal lahir mungkin ditaksir",
        "en": "{value} born on the 1st or 15th (6.6% expected): birth dates may be guessed",
    },
    "quality.reading.reported_z_disagree_pct": {
        "id": "{value} z-score e-PPGBM berbeda dari WHO 2006: sistem memakai aturan lain",
        "en": "{value} of e-PPGBM z-scores differ from WHO 2006: the system used other rules",
    },
    "quality.reading.probable_duplicates_pct": {
        "id": "{value} kemungkinan anak tercatat ganda: cek daftar baris untuk pengelola data",
        "en": "{value} probable double registrations: see the row list for the data manager",
    },
    "quality.reading.ok": {"id": "Tidak ada pemeriksaan yang gagal.", "en": "No check failed."},
    "quality.map.title": {"id": "Peta: {check}", "en": "Map: {check}"},
    "quality.ranking": {"id": "Peringkat {level} menurut pemeriksaan", "en": "{level} ranked by check"},
    "quality.card": {"id": "Kartu unit", "en": "Unit card"},
    "quality.card.unit": {"id": "Unit", "en": "Unit"},
    "quality.column.unit": {"id": "Unit", "en": "Unit"},
    "quality.column.children": {"id": "Anak", "en": "Children"},
    "quality.column.value": {"id": "Nilai", "en": "Value"},
    "quality.column.status": {"id": "Status", "en": "Status"},
    "quality.column.reading": {"id": "Artinya", "en": "Reading"},
    "quality.status.ok": {"id": "dalam batas", "en": "within limits"},
    "quality.status.fail": {"id": "perlu dicek", "en": "to be checked"},
    "quality.status.none": {"id": "–", "en": "–"},
    "quality.targets.template": {
        "id": "Unduh templat sasaran (CSV)",
        "en": "Download the targets template (CSV)",
    },
    "quality.targets.help": {
        "id": "Cakupan butuh sasaran balita per desa: isi templat lalu muat dengan "
        "`python -m stunting quality-targets --load FILE`.",
        "en": "Coverage needs target under-fives per village: fill the template, then load it with "
        "`python -m stunting quality-targets --load FILE`.",
    },
    "quality.warning": {"id": "⚠ data perlu dicek: {reasons}", "en": "⚠ data to be checked: {reasons}"},
    "report.title": {
        "id": "Laporan kualitas data · {area} · {month}",
        "en": "Data-quality report · {area} · {month}",
    },
    "report.intro": {
        "id": "Setiap pemeriksaan berdiri sendiri (tanpa skor gabungan); ⚠ = di luar batas terbitan.",
        "en": "Each check stands on its own (no composite score); ⚠ = beyond its published limit.",
    },
    "report.missing": {
        "id": "Data kosong dan nilai tidak wajar",
        "en": "Missing data and implausible values",
    },
    "report.age_sex": {"id": "Sebaran umur dan jenis kelamin", "en": "Age and sex distribution"},
    "report.position": {"id": "Cara ukur", "en": "Measurement position"},
    "report.digits": {"id": "Preferensi digit", "en": "Digit preference"},
    "report.zscores": {
        "id": "Sebaran z-score (flag dikeluarkan)",
        "en": "Z-score distributions (flagged excluded)",
    },
    "report.duplicates": {"id": "Pengukuran ulang dan anak ganda", "en": "Repeats and duplicates"},
    "report.coverage": {"id": "Cakupan", "en": "Coverage"},
    "report.posyandu_failing": {
        "id": "{count} posyandu perlu dicek: {names}",
        "en": "{count} posyandu to be checked: {names}",
    },
    "report.figures": {"id": "Grafik", "en": "Charts"},
    "report.age_sex_chart": {
        "id": "Anak per bulan umur (L atas, P bawah)",
        "en": "Children per month of age (boys up, girls down)",
    },
    "report.position_chart": {
        "id": "% diukur berdiri per bulan umur (garis: 24 bulan)",
        "en": "% measured standing by month of age (line: 24 months)",
    },
    "report.digits_height": {
        "id": "Digit akhir tinggi (%) · DPS {dps}",
        "en": "Height terminal digit (%) · DPS {dps}",
    },
    "report.digits_weight": {
        "id": "Digit akhir berat (%) · DPS {dps}",
        "en": "Weight terminal digit (%) · DPS {dps}",
    },
    "report.z_haz": {"id": "TB/U dan N(0, 1) · SD {sd}", "en": "HAZ and N(0, 1) · SD {sd}"},
    "report.z_whz": {"id": "BB/TB dan N(0, 1) · SD {sd}", "en": "WHZ and N(0, 1) · SD {sd}"},
}

# Login, roles and accounts (ui/auth.py, pages/login.py, pages/users.py).
# ---------------------------------------------------------------------------------------------
_AUTH: dict[str, dict[str, str]] = {
    "auth.page": {"id": "Masuk", "en": "Log in"},
    "auth.why": {
        "id": "Masuk untuk mengelola data. Melihat peta tidak perlu masuk.",
        "en": "Log in to manage data. Viewing the map needs no login.",
    },
    "auth.name": {"id": "Nama pengguna", "en": "User name"},
    "auth.password": {"id": "Kata sandi", "en": "Password"},
    "auth.submit": {"id": "Masuk", "en": "Log in"},
    "auth.sso": {"id": "Masuk dengan akun kantor (SSO)", "en": "Log in with the office account (SSO)"},
    "auth.invalid": {"id": "Nama pengguna atau kata sandi salah.", "en": "Wrong user name or password."},
    "auth.locked": {
        "id": "Akun ini terkunci {minutes} menit setelah 5 kali kata sandi salah; coba lagi nanti.",
        "en": "This account is locked for {minutes} minutes after 5 wrong passwords; try again later.",
    },
    "auth.disabled": {
        "id": "Akun ini dinonaktifkan; hubungi admin.",
        "en": "This account is disabled; ask an admin.",
    },
    "auth.forbidden": {
        "id": "Halaman ini memerlukan hak akses yang lebih tinggi. Masuk dengan akun yang berhak.",
        "en": "This page needs more rights. Log in with an account that has them.",
    },
    "auth.session_ended": {
        "id": "Sesi berakhir (8 jam tanpa aktivitas, atau akun diubah). Silakan masuk lagi.",
        "en": "The session ended (8 hours idle, or the account changed). Please log in again.",
    },
    "auth.sso_refused": {
        "id": "Akun SSO ini belum diizinkan di aplikasi ini, atau tidak membawa peran; hubungi admin.",
        "en": "This SSO account is not allowed in this app, or carries no role; ask an admin.",
    },
    "auth.logged_in_as": {"id": "Masuk sebagai {name} ({role})", "en": "Logged in as {name} ({role})"},
    "auth.logout": {"id": "Keluar", "en": "Log out"},
    "auth.welcome": {"id": "Berhasil masuk sebagai {name}.", "en": "Logged in as {name}."},
    "role.viewer": {"id": "pemirsa", "en": "viewer"},
    "role.data_manager": {"id": "pengelola data", "en": "data manager"},
    "role.admin": {"id": "admin", "en": "admin"},
    "users.page": {"id": "Pengguna", "en": "Users"},
    "users.how": {
        "id": "Tambah akun dan ganti kata sandi dengan `python -m stunting users` di server.",
        "en": "Add accounts and set passwords with `python -m stunting users` on the server.",
    },
    "users.col.name": {"id": "Nama", "en": "Name"},
    "users.col.role": {"id": "Peran", "en": "Role"},
    "users.col.regencies": {"id": "Kabupaten/kota", "en": "Regencies"},
    "users.col.login": {"id": "Cara masuk", "en": "Login"},
    "users.col.state": {"id": "Status", "en": "State"},
    "users.sso": {"id": "SSO", "en": "SSO"},
    "users.password": {"id": "kata sandi", "en": "password"},
    "users.active": {"id": "aktif", "en": "active"},
    "users.disabled": {"id": "nonaktif", "en": "disabled"},
    "users.enable": {"id": "Aktifkan", "en": "Enable"},
    "users.disable": {"id": "Nonaktifkan", "en": "Disable"},
    "users.audit": {"id": "Catatan audit", "en": "Audit log"},
}

_DATA: dict[str, dict[str, str]] = {
    "data.page": {"id": "Kelola data", "en": "Manage data"},
    "data.intro": {
        "id": "Unggah berkas, periksa pratinjau, lalu Simpan. Tidak ada yang disimpan sebelum Simpan.",
        "en": "Upload files, check the preview, then Save. Nothing is stored before Save.",
    },
    "data.your_regencies": {"id": "Wilayah Anda: {regencies}", "en": "Your regencies: {regencies}"},
    "data.all_regencies": {"id": "semua kabupaten/kota", "en": "every regency"},
    "data.tab.eppgbm": {"id": "e-PPGBM (per anak)", "en": "e-PPGBM (per child)"},
    "data.tab.aggregates": {"id": "Rekap per desa", "en": "Village counts"},
    "data.tab.boundaries": {"id": "Batas wilayah", "en": "Boundaries"},
    "data.tab.programmes": {"id": "Program", "en": "Programmes"},
    "data.upload.eppgbm": {
        "id": "Ekspor e-PPGBM (CSV atau XLSX), satu atau beberapa berkas",
        "en": "e-PPGBM exports (CSV or XLSX), one or more files",
    },
    "data.upload.aggregates": {
        "id": "Rekap jumlah anak per desa (CSV: periode, desa, diukur, stunting, …)",
        "en": "Village counts (CSV: period, village, measured, stunting, …)",
    },
    "data.upload.boundaries": {
        "id": "Batas desa (GeoJSON, GeoPackage, Shapefile dalam ZIP, atau dump SQL wilayah)",
        "en": "Village boundaries (GeoJSON, GeoPackage, zipped Shapefile, or wilayah SQL dump)",
    },
    "data.upload.programmes": {
        "id": "Data program (templat XLSX, atau CSV satu lembar)",
        "en": "Programme data (the XLSX template, or a CSV of one sheet)",
    },
    "data.programmes.sheets": {"id": "Baris per lembar", "en": "Rows per sheet"},
    "data.col.sheet_rows": {"id": "baris yang akan disimpan", "en": "rows to store"},
    "data.programmes.problems": {
        "id": "Masalah menurut lembar, baris dan kolom",
        "en": "Problems by sheet, row and column",
    },
    "data.programmes.problems_download": {
        "id": "Unduh daftar masalah (CSV)",
        "en": "Download the problem list (CSV)",
    },
    "data.programmes.on_data_page": {
        "id": "Muat data program di halaman Kelola data (tab Program)",
        "en": "Load programme data on the Manage data page (Programmes tab)",
    },
    "data.programmes.accept_valid": {"id": "Simpan baris yang valid", "en": "Store the valid rows"},
    "data.programmes.blocked": {
        "id": "Berkas ini bermasalah pada {rows} baris: tidak ada yang disimpan kecuali Anda mencentang "
        "'Simpan baris yang valid' (baris bermasalah tidak disimpan).",
        "en": "This file has problems in {rows} rows: nothing is stored unless you tick "
        "'Store the valid rows' (rows with problems are not stored).",
    },
    "data.saved_programmes": {
        "id": "Tersimpan dari {file}: {rows}. Baris bermasalah, tidak disimpan: {rejected}.",
        "en": "Stored from {file}: {rows}. Rows with problems, not stored: {rejected}.",
    },
    "data.col.problem_sheet": {"id": "lembar", "en": "sheet"},
    "data.col.problem_row": {"id": "baris", "en": "row"},
    "data.col.problem_column": {"id": "kolom", "en": "column"},
    "data.col.problem_message": {"id": "masalah", "en": "problem"},
    "data.limit": {
        "id": "Paling besar {limit} MB per berkas; berkas lebih besar dimuat di server dengan "
        "`python -m stunting ingest`.",
        "en": "At most {limit} MB per file; load larger files on the server with "
        "`python -m stunting ingest`.",
    },
    "data.preview": {"id": "Pratinjau (belum disimpan)", "en": "Preview (not stored yet)"},
    "data.reading": {"id": "Membaca berkas…", "en": "Reading the files…"},
    "data.rows_read": {"id": "Baris dibaca", "en": "Rows read"},
    "data.rows_accepted": {"id": "Diterima", "en": "Accepted"},
    "data.rows_rejected": {"id": "Ditolak", "en": "Rejected"},
    "data.rows_replaced": {"id": "Baris tersimpan yang diganti", "en": "Stored rows replaced"},
    "data.periods": {"id": "Periode: {periods}", "en": "Periods: {periods}"},
    "data.villages": {"id": "{count} desa/kel. dalam berkas", "en": "{count} villages in the files"},
    "data.by_reason": {"id": "Ditolak menurut alasan", "en": "Rejected by reason"},
    "data.village_months": {
        "id": "Per desa dan bulan: baris dalam berkas dan baris tersimpan yang akan diganti",
        "en": "Per village and month: rows in the files and stored rows they replace",
    },
    "data.already": {
        "id": "{name} sudah pernah dimuat (SHA-256 sama); tidak ada yang ditambahkan.",
        "en": "{name} was imported before (same SHA-256); nothing is added.",
    },
    "data.save": {"id": "Simpan", "en": "Save"},
    "data.saving": {"id": "Menyimpan {file}…", "en": "Saving {file}…"},
    "data.waiting": {
        "id": "Import lain sedang berjalan; impor ini menunggu sampai selesai.",
        "en": "Another import is running; this one waits until it has finished.",
    },
    "data.saved": {
        "id": "Tersimpan: {file} — {stored} baris baru atau berubah, {rejected} ditolak.",
        "en": "Stored: {file} — {stored} new or changed rows, {rejected} rejected.",
    },
    "data.saved_other": {"id": "Tersimpan: {file}.", "en": "Stored: {file}."},
    "data.rejects": {"id": "Baris yang ditolak", "en": "Rejected rows"},
    "data.rejects_download": {
        "id": "Unduh laporan baris ditolak (CSV)",
        "en": "Download the rejects report (CSV)",
    },
    "data.col.source_row": {"id": "baris", "en": "row"},
    "data.col.file_line": {"id": "baris_berkas", "en": "file_line"},
    "data.col.column": {"id": "kolom", "en": "column"},
    "data.col.reason_code": {"id": "kode_alasan", "en": "reason_code"},
    "data.col.reason": {"id": "alasan", "en": "reason"},
    "data.col.village": {"id": "desa", "en": "village"},
    "data.col.period": {"id": "periode", "en": "period"},
    "data.col.file_rows": {"id": "baris berkas", "en": "file rows"},
    "data.col.stored_rows": {"id": "baris tersimpan", "en": "stored rows"},
    "data.col.count": {"id": "jumlah", "en": "count"},
    "data.history": {"id": "Riwayat impor", "en": "Import history"},
    "data.history.none": {"id": "Belum ada impor dari halaman ini.", "en": "No imports from this page yet."},
    "data.col.at": {"id": "waktu (UTC)", "en": "time (UTC)"},
    "data.col.actor": {"id": "oleh", "en": "by"},
    "data.col.file": {"id": "berkas", "en": "file"},
    "data.col.sha256": {"id": "SHA-256", "en": "SHA-256"},
    "data.col.rows": {"id": "baris", "en": "rows"},
    "data.col.replaced": {"id": "baru/berubah", "en": "new/changed"},
    "data.col.state": {"id": "status", "en": "state"},
    "data.state.undone": {"id": "dibatalkan oleh {by}", "en": "undone by {by}"},
    "data.state.stored": {"id": "tersimpan", "en": "stored"},
    "data.undo": {"id": "Batalkan impor terakhir: {file}", "en": "Undo the last import: {file}"},
    "data.undo_help": {
        "id": "Mengembalikan data ke keadaan sebelum impor ini. Aplikasi menyimpan {keep} keadaan terakhir.",
        "en": "Puts the data back as it was before this import. The app keeps the last {keep} states.",
    },
    "data.undone": {
        "id": "Impor {file} dibatalkan; data kembali seperti sebelumnya.",
        "en": "Import of {file} undone; the data is as it was before.",
    },
    "data.failed": {"id": "Tidak disimpan: {reason}", "en": "Not stored: {reason}"},
    "upload.too_big": {
        "id": "{name} berukuran {mb} MB; batasnya {limit} MB per berkas.",
        "en": "{name} is {mb} MB; the limit is {limit} MB per file.",
    },
    "upload.xlsx_too_big": {
        "id": "{name} adalah XLSX di atas {limit} MB; simpan sebagai CSV lalu unggah lagi.",
        "en": "{name} is an XLSX above {limit} MB; save it as CSV and upload again.",
    },
    "upload.wrong_type.eppgbm": {
        "id": "{name} bukan CSV atau XLSX ekspor e-PPGBM: isinya {found}.",
        "en": "{name} is not an e-PPGBM CSV or XLSX export: its content is {found}.",
    },
    "upload.wrong_type.aggregates": {
        "id": "{name} bukan berkas CSV: isinya {found}.",
        "en": "{name} is not a CSV file: its content is {found}.",
    },
    "upload.wrong_type.programmes": {
        "id": "{name} bukan data program (XLSX atau CSV): isinya {found}.",
        "en": "{name} is not programme data (XLSX or CSV): its content is {found}.",
    },
    "upload.wrong_type.boundaries": {
        "id": "{name} bukan GeoJSON, GeoPackage, Shapefile dalam ZIP atau dump SQL wilayah: isinya {found}.",
        "en": "{name} is not GeoJSON, GeoPackage, a zipped Shapefile or a wilayah SQL dump: "
        "its content is {found}.",
    },
    "upload.not_your_regency": {
        "id": "Berkas ini memuat data {regencies}, di luar wilayah Anda ({yours}); tidak ada yang disimpan.",
        "en": "These files hold data of {regencies}, outside your regencies ({yours}); nothing was stored.",
    },
    "upload.undo_gone": {"id": "Impor ini sudah dibatalkan.", "en": "This import was already undone."},
    "upload.undo_not_last": {
        "id": "Ada impor lain setelah {name}; batalkan yang terakhir dulu.",
        "en": "Another import came after {name}; undo the last one first.",
    },
    "upload.undo_first": {
        "id": "Ini impor pertama; tidak ada keadaan sebelumnya untuk dikembalikan.",
        "en": "This was the first import; there is no earlier state to go back to.",
    },
    "upload.undo_not_kept": {
        "id": "Keadaan sebelum {name} sudah tidak disimpan; tidak bisa dibatalkan.",
        "en": "The state before {name} is no longer kept; it cannot be undone.",
    },
    "filetype.zip": {"id": "arsip ZIP (diganti namanya?)", "en": "a ZIP archive (renamed?)"},
    "filetype.html": {"id": "halaman web (HTML)", "en": "a web page (HTML)"},
    "filetype.xls": {
        "id": "Excel lama (.xls); simpan sebagai XLSX atau CSV",
        "en": "an old Excel file (.xls); save it as XLSX or CSV",
    },
    "filetype.pdf": {"id": "dokumen PDF", "en": "a PDF document"},
    "filetype.binary": {"id": "data biner", "en": "binary data"},
    "filetype.empty": {"id": "kosong", "en": "empty"},
    "filetype.csv": {"id": "teks CSV", "en": "CSV text"},
    "filetype.xlsx": {"id": "buku kerja XLSX", "en": "an XLSX workbook"},
    "filetype.geojson": {"id": "GeoJSON/JSON", "en": "GeoJSON/JSON"},
    "filetype.gpkg": {"id": "basis data SQLite/GeoPackage", "en": "an SQLite/GeoPackage database"},
    "filetype.shapefile_zip": {"id": "Shapefile dalam ZIP", "en": "a zipped Shapefile"},
    "filetype.wilayah_sql": {"id": "dump SQL", "en": "an SQL dump"},
    # The rejects report's reasons, by the reader's reason code (stunting/eppgbm.py REJECT_REASONS).
    "reject.birth_date_missing": {"id": "{col} kosong.", "en": "{col} is empty."},
    "reject.birth_date_invalid": {
        "id": "{col} bukan tanggal (dd/mm/yyyy, yyyy-mm-dd atau tanggal Excel).",
        "en": "{col} is not a date (dd/mm/yyyy, yyyy-mm-dd or an Excel date).",
    },
    "reject.measured_on_missing": {"id": "{col} kosong.", "en": "{col} is empty."},
    "reject.measured_on_invalid": {
        "id": "{col} bukan tanggal (dd/mm/yyyy, yyyy-mm-dd atau tanggal Excel).",
        "en": "{col} is not a date (dd/mm/yyyy, yyyy-mm-dd or an Excel date).",
    },
    "reject.measured_on_future": {"id": "{col} setelah hari ini.", "en": "{col} is later than today."},
    "reject.measured_before_birth": {"id": "{col} sebelum Tgl Lahir.", "en": "{col} is before Tgl Lahir."},
    "reject.age_60_months_or_more": {
        "id": "Umur 60 bulan atau lebih saat diukur ({col}); hanya balita yang dihitung.",
        "en": "Age 60 months or more at measurement ({col}); only children under five are counted.",
    },
    "reject.sex_invalid": {
        "id": "{col} bukan L (Laki-laki) atau P (Perempuan).",
        "en": "{col} is neither L (Laki-laki) nor P (Perempuan).",
    },
    "reject.no_measurement": {
        "id": "{col} dan Tinggi sama-sama tidak ada (kosong, 0, 8888, 9999 atau teks).",
        "en": "{col} and Tinggi are both missing (empty, 0, 8888, 9999 or text).",
    },
    "reject.identity_missing": {
        "id": "{col} bukan NIK 16 digit dan Nama kosong, jadi anak tidak dapat dikenali antar-pengukuran.",
        "en": "{col} is not a 16-digit NIK and Nama is empty, so the child cannot be recognised "
        "across measurements.",
    },
    "reject.regency_unknown": {
        "id": "Kabupaten/kota di {col} tidak dikenal.",
        "en": "The regency in {col} is not known.",
    },
    "reject.kecamatan_unknown": {
        "id": "Kecamatan di {col} tidak ditemukan di kabupaten/kota itu.",
        "en": "The kecamatan in {col} is not found in that regency.",
    },
    "reject.village_unknown": {
        "id": "Desa/kelurahan di {col} tidak ditemukan di kecamatan itu.",
        "en": "The village in {col} is not found in that kecamatan.",
    },
    "reject.village_ambiguous": {
        "id": "Desa/kelurahan di {col} cocok dengan lebih dari satu desa; tulis namanya lengkap.",
        "en": "The village in {col} matches more than one village; write its full name.",
    },
    "reject.weight_negative": {"id": "{col} bernilai negatif.", "en": "{col} is negative."},
    "reject.height_negative": {"id": "{col} bernilai negatif.", "en": "{col} is negative."},
    "reject.boundary_unavailable": {
        "id": "Desa tanpa batas di berkas: disimpan, digambar sebagai 'batas tidak tersedia'.",
        "en": "Villages without a border in the file: stored, drawn as 'boundary not available'.",
    },
    "evaluate.load_needs_login": {
        "id": "Memuat data program hanya untuk pengelola data kabupaten ini: masuk lewat halaman Masuk.",
        "en": "Loading programme data is for this regency's data managers: log in on the Log in page.",
    },
    "reject.other": {"id": "Ditolak ({code}).", "en": "Rejected ({code})."},
}


# ---------------------------------------------------------------------------------------------
# "Apakah berhasil?" (pages/evaluate.py, charts/evaluate.py): did a programme help?
# ---------------------------------------------------------------------------------------------
_EVALUATE: dict[str, dict[str, str]] = {
    "evaluate.page": {"id": "Apakah berhasil?", "en": "Did it help?"},
    "evaluate.title": {
        "id": "Apakah {programme} menurunkan {indicator}?",
        "en": "Did {programme} lower {indicator}?",
    },
    "evaluate.programme": {"id": "Program", "en": "Programme"},
    "evaluate.start": {"id": "Desa yang mulai pada tahun", "en": "Villages that started in"},
    "evaluate.start.all": {"id": "semua tahun", "en": "every year"},
    "evaluate.regency_needed": {
        "id": "Pilih satu kabupaten/kota di panel samping: program dievaluasi per kabupaten/kota.",
        "en": "Choose one regency in the sidebar: programmes are evaluated per regency.",
    },
    "evaluate.no_programmes": {
        "id": "Belum ada data program. Muat dengan `python -m stunting programmes import FILE` "
        "(unduh templatnya di bawah).",
        "en": "No programme data yet. Load it with `python -m stunting programmes import FILE` "
        "(download the template below).",
    },
    "evaluate.template": {
        "id": "Unduh templat data program (XLSX)",
        "en": "Download the programme template (XLSX)",
    },
    "evaluate.load": {"id": "Muat data program", "en": "Load programme data"},
    "programme.lokus": {"id": "Desa lokus", "en": "Priority villages (lokus)"},
    "programme.baas": {"id": "BAAS (Bapak/Bunda Asuh Anak Stunting)", "en": "BAAS (foster parents)"},
    "programme.raga_pantas": {"id": "Raga Pantas", "en": "Raga Pantas"},
    "programme.rembuk": {"id": "Rembuk stunting", "en": "Village stunting meeting (rembuk)"},
    "evaluate.estimate": {"id": "Selisih perubahan", "en": "Difference in change"},
    "evaluate.estimate.value": {"id": "{value} poin", "en": "{value} points"},
    "evaluate.estimate.help": {
        "id": "Perubahan prevalensi di desa dengan program dikurangi perubahan di desa tanpa program, "
        "sebelum dan sesudah program mulai (difference-in-differences, efek desa dan periode, "
        "IK 95% dikelompokkan per desa).",
        "en": "Change in prevalence in villages with the programme minus the change in villages without "
        "it, before and after it started (difference-in-differences with village and period effects, "
        "95% CI clustered by village).",
    },
    "evaluate.interval": {"id": "IK 95%: {low} sampai {high} poin", "en": "95% CI: {low} to {high} points"},
    "evaluate.odds": {
        "id": "Pada skala odds: rasio odds {value} (IK 95% {low}–{high}); di bawah 1 berarti turun lebih "
        "banyak. Bila kedua skala tidak sejalan, desa yang angkanya tinggi mungkin turun lebih cepat "
        "dengan sendirinya.",
        "en": "On the odds scale: odds ratio {value} (95% CI {low}–{high}); below 1 means a larger fall. "
        "When the two scales disagree, villages with high rates may simply fall faster.",
    },
    "evaluate.villages": {
        "id": "{treated} desa dengan program, {control} desa tanpa program; {before} periode sebelum, "
        "{after} periode sesudah mulai",
        "en": "{treated} villages with the programme, {control} without; {before} periods before, "
        "{after} from the start",
    },
    "evaluate.excluded": {
        "id": "{count} desa-periode dengan kurang dari {minimum} anak tidak dihitung.",
        "en": "{count} village-periods with fewer than {minimum} children are left out.",
    },
    "evaluate.verdict.cannot_conclude": {
        "id": "Tidak dapat disimpulkan: data ini tidak menunjukkan dengan yakin bahwa program mengubah "
        "prevalensi.",
        "en": "Cannot be concluded: these data do not show with confidence that the programme changed "
        "the prevalence.",
    },
    "evaluate.verdict.lower": {
        "id": "Prevalensi di desa dengan program turun {value} poin lebih banyak daripada di desa lain "
        "(IK 95% {low} sampai {high}). Ini selisih, bukan bukti sebab: hal lain yang terjadi di desa "
        "yang sama bisa ikut berperan.",
        "en": "Prevalence in villages with the programme fell {value} points more than elsewhere (95% CI "
        "{low} to {high}). This is a difference, not proof of cause: other things happening in the same "
        "villages may play a part.",
    },
    "evaluate.verdict.higher": {
        "id": "Prevalensi di desa dengan program naik {value} poin lebih banyak (atau turun lebih sedikit) "
        "daripada di desa lain (IK 95% {low} sampai {high}).",
        "en": "Prevalence in villages with the programme rose {value} points more (or fell less) than "
        "elsewhere (95% CI {low} to {high}).",
    },
    "evaluate.warning.regression_to_the_mean": {
        "id": "Regresi ke rata-rata: desa dengan program berangkat dari angka lebih tinggi ({treated} "
        "lawan {control}). Desa yang dipilih karena angkanya tinggi cenderung turun dengan sendirinya, "
        "jadi sebagian penurunan mungkin bukan karena program.",
        "en": "Regression to the mean: villages with the programme started higher ({treated} against "
        "{control}). Villages chosen because their rate was high tend to fall anyway, so part of the fall "
        "may not be the programme's.",
    },
    "evaluate.warning.pre_trends_differ": {
        "id": "Sebelum program mulai, kedua kelompok desa sudah bergerak berbeda: perbandingan ini tidak "
        "adil, dan hasilnya tidak dapat disimpulkan.",
        "en": "Before the programme started the two groups of villages already moved differently: the "
        "comparison is not fair, and its result cannot be concluded.",
    },
    "evaluate.warning.few_villages": {
        "id": "Kurang dari {minimum} desa di satu kelompok: interval ini mungkin terlalu sempit.",
        "en": "Fewer than {minimum} villages on one side: this interval may be too narrow.",
    },
    "evaluate.warning.coverage_changed": {
        "id": "Jumlah anak yang diukur berubah berbeda antara kedua kelompok ({value}%): angka sesudahnya "
        "mungkin menggambarkan anak yang lain.",
        "en": "The number of children measured changed differently between the groups ({value}%): the "
        "later rates may describe other children.",
    },
    "evaluate.chart.groups": {
        "id": "Rata-rata prevalensi desa per periode (IK 95%)",
        "en": "Mean village prevalence per period (95% CI)",
    },
    "evaluate.group.treated": {"id": "Desa dengan program", "en": "Villages with the programme"},
    "evaluate.group.control": {"id": "Desa tanpa program", "en": "Villages without it"},
    "evaluate.group.fostered": {"id": "Anak asuh", "en": "Fostered children"},
    "evaluate.group.not_fostered": {"id": "Anak lain", "en": "Other children"},
    "evaluate.severity.severe": {"id": "sangat pendek", "en": "severely stunted"},
    "evaluate.severity.moderate": {"id": "pendek", "en": "moderately stunted"},
    "evaluate.chart.start": {"id": "mulai", "en": "start"},
    "evaluate.chart.events": {
        "id": "Selisih per periode sejak mulai (IK 95%)",
        "en": "Difference per period since the start (95% CI)",
    },
    "evaluate.chart.relative": {"id": "Periode sejak mulai", "en": "Periods since the start"},
    "evaluate.chart.points": {"id": "Selisih (poin)", "en": "Difference (points)"},
    "evaluate.recovery.title": {"id": "Anak yang pulih", "en": "Children who recovered"},
    "evaluate.recovery.caption": {
        "id": "Dari anak stunting pada satu periode, persentase yang tidak lagi stunting pada pengukuran "
        "berikutnya dalam {months} bulan (IK 95%). Hanya anak yang diukur lagi yang dihitung.",
        "en": "Of the children stunted in a period, the share no longer stunted at their next measurement "
        "within {months} months (95% CI). Only children measured again count.",
    },
    "evaluate.recovery.window": {"id": "{months} bulan", "en": "{months} months"},
    "evaluate.recovery.column.period": {"id": "Periode", "en": "Period"},
    "evaluate.recovery.column.group": {"id": "Kelompok", "en": "Group"},
    "evaluate.recovery.column.followed": {"id": "Diukur lagi", "en": "Measured again"},
    "evaluate.recovery.column.share": {"id": "Pulih", "en": "Recovered"},
    "evaluate.act.title": {"id": "Di mana bertindak berikutnya", "en": "Where to act next"},
    "evaluate.act.caption": {
        "id": "Desa diurutkan menurut jumlah anak stunting, lalu angka yang dihaluskan (empirical Bayes). "
        "Titik panas: Local Moran's I dengan koreksi FDR. {period}.",
        "en": "Villages ranked by stunted children, then by the smoothed rate (empirical Bayes). Hot spots: "
        "Local Moran's I with an FDR correction. {period}.",
    },
    "evaluate.act.column.rank": {"id": "Urutan", "en": "Rank"},
    "evaluate.act.column.village": {"id": "Desa", "en": "Village"},
    "evaluate.act.column.cases": {"id": "Anak stunting", "en": "Stunted children"},
    "evaluate.act.column.measured": {"id": "Anak diukur", "en": "Children measured"},
    "evaluate.act.column.rate": {"id": "Prevalensi", "en": "Prevalence"},
    "evaluate.act.column.smoothed": {"id": "Dihaluskan", "en": "Smoothed"},
    "evaluate.act.column.cluster": {"id": "Pola sekitar", "en": "Spatial pattern"},
    "cluster.hot": {"id": "titik panas", "en": "hot spot"},
    "cluster.cold": {"id": "titik dingin", "en": "cold spot"},
    "cluster.high_among_low": {"id": "tinggi di antara rendah", "en": "high among low"},
    "cluster.low_among_high": {"id": "rendah di antara tinggi", "en": "low among high"},
    "cluster.none": {"id": "–", "en": "–"},
    "layer.lokus": {"id": "Desa lokus {year}", "en": "Priority villages (lokus) {year}"},
    "layer.lokus.tip": {"id": "{village}: desa lokus {year}", "en": "{village}: priority village in {year}"},
    "layer.baas": {"id": "Anak diasuh BAAS {year}", "en": "Children fostered by BAAS {year}"},
    "layer.baas.tip": {
        "id": "{village}: {children} anak diasuh BAAS ({year})",
        "en": "{village}: {children} children fostered by BAAS ({year})",
    },
    "layer.hot": {"id": "Titik panas ({period})", "en": "Hot spots ({period})"},
    "layer.smoothed": {
        "id": "Angka dihaluskan, empirical Bayes ({period})",
        "en": "Smoothed rates, empirical Bayes ({period})",
    },
    "layer.smoothed.tip": {
        "id": "{village}: {rate} setelah dihaluskan (empirical Bayes)",
        "en": "{village}: {rate} smoothed (empirical Bayes)",
    },
    "layer.hot.tip": {
        "id": "{village}: titik panas (tinggi di antara tetangga tinggi, koreksi FDR)",
        "en": "{village}: hot spot (high among high neighbours, FDR-corrected)",
    },
}


# Problems of a programme file (stunting/programmes.py), one per cell: the data page shows them in
# the chosen language; the English is the CLI's and the problem report's.
_PROGRAMME_PROBLEMS: dict[str, dict[str, str]] = {
    "programme.problem.header_missing": {
        "id": "kolom ini tidak ada di baris judul",
        "en": "this column is missing from the header row",
    },
    "programme.problem.cell_empty": {"id": "sel ini kosong", "en": "this cell is empty"},
    "programme.problem.end_before_start": {
        "id": "tanggal selesai ({end}) sebelum tanggal mulai ({start})",
        "en": "the end ({end}) is before the start ({start})",
    },
    "programme.problem.same_row": {
        "id": "sama dengan baris {other} (kunci yang sama)",
        "en": "the same row as row {other} (same key)",
    },
    "programme.problem.village_unknown": {
        "id": "kode desa '{text}' tidak dikenal (kode seperti di geo/gazetteer.csv, mis. 64.02.01.2001)",
        "en": "unknown village code '{text}' (codes as in geo/gazetteer.csv, e.g. 64.02.01.2001)",
    },
    "programme.problem.not_a_year": {"id": "'{text}' bukan tahun", "en": "'{text}' is not a year"},
    "programme.problem.year_out_of_range": {
        "id": "tahun {year} di luar rentang ({first}-{last})",
        "en": "year {year} is out of range ({first}-{last})",
    },
    "programme.problem.not_a_count": {
        "id": "'{text}' bukan bilangan bulat 0 atau lebih",
        "en": "'{text}' is not a whole number of 0 or more",
    },
    "programme.problem.not_a_flag": {
        "id": "'{text}' bukan Ya atau Tidak",
        "en": "'{text}' is neither Ya nor Tidak",
    },
    "programme.problem.not_a_target": {
        "id": "'{text}' bukan 'Ibu hamil' atau 'Anak 0-23 bulan'",
        "en": "'{text}' is neither 'Ibu hamil' nor 'Anak 0-23 bulan'",
    },
    "programme.problem.not_a_year_or_date": {
        "id": "'{text}' bukan tahun atau tanggal (dd/mm/yyyy atau yyyy-mm-dd)",
        "en": "'{text}' is neither a year nor a date (dd/mm/yyyy or yyyy-mm-dd)",
    },
    "programme.problem.nik_digits": {
        "id": "NIK terdiri dari 16 angka (nilainya tidak ditampilkan di sini: itu data pribadi)",
        "en": "a NIK has 16 digits (the value is not repeated here: it is personal data)",
    },
    "programme.problem.not_a_date": {
        "id": "bukan tanggal (dd/mm/yyyy atau yyyy-mm-dd)",
        "en": "not a date (dd/mm/yyyy or yyyy-mm-dd)",
    },
    "programme.problem.not_a_sex": {"id": "bukan L atau P", "en": "neither L nor P"},
    "programme.problem.unknown_indicator": {
        "id": "'{text}' bukan indikator untuk {target} ({codes})",
        "en": "'{text}' is not an indicator for {target} ({codes})",
    },
    "programme.problem.numerator_above": {
        "id": "pembilang ({numerator}) lebih besar dari penyebut ({denominator})",
        "en": "the numerator ({numerator}) is above the denominator ({denominator})",
    },
}


_SECTIONS: tuple[dict[str, dict[str, str]], ...] = (
    _COMMON,
    _MAP,
    _COMPARISON,
    _STORY,
    _QUALITY,
    _AUTH,
    _DATA,
    _EVALUATE,
    _PROGRAMME_PROBLEMS,
)


def _merge(sections: tuple[dict[str, dict[str, str]], ...]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for section in sections:
        clash = merged.keys() & section.keys()
        if clash:
            raise ValueError(f"UI string keys defined twice: {sorted(clash)}")
        merged.update(section)
    return merged


CATALOGUE: dict[str, dict[str, str]] = _merge(_SECTIONS)


# The provinces' English names (as the central government's English pages and BPS's English
# publications write them): an English-speaking visitor types "Central Java" into the sidebar's search.
# Regencies and villages keep their one official name in both languages.
PROVINCE_NAMES_EN = {
    "11": "Aceh",
    "12": "North Sumatra",
    "13": "West Sumatra",
    "14": "Riau",
    "15": "Jambi",
    "16": "South Sumatra",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Bangka Belitung Islands",
    "21": "Riau Islands",
    "31": "Jakarta",
    "32": "West Java",
    "33": "Central Java",
    "34": "Special Region of Yogyakarta",
    "35": "East Java",
    "36": "Banten",
    "51": "Bali",
    "52": "West Nusa Tenggara",
    "53": "East Nusa Tenggara",
    "61": "West Kalimantan",
    "62": "Central Kalimantan",
    "63": "South Kalimantan",
    "64": "East Kalimantan",
    "65": "North Kalimantan",
    "71": "North Sulawesi",
    "72": "Central Sulawesi",
    "73": "South Sulawesi",
    "74": "Southeast Sulawesi",
    "75": "Gorontalo",
    "76": "West Sulawesi",
    "81": "Maluku",
    "82": "North Maluku",
    "91": "Papua",
    "92": "West Papua",
    "93": "South Papua",
    "94": "Central Papua",
    "95": "Highland Papua",
    "96": "Southwest Papua",
}


def province_label(code: str, name: str, lang: str) -> str:
    """A province's name for a list: the official name, with the English one beside it in English
    where it differs ("Jawa Tengah (Central Java)"), so either can be typed into a search."""
    english = PROVINCE_NAMES_EN.get(code) if check_language(lang) == "en" else None
    return f"{name} ({english})" if english and english != name else name


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
    return _formatted(float(fraction), lang, decimals, "%")


def fmt_number(value: float, lang: str, decimals: int = 0) -> str:
    """A plain number with the language's separators: 1234 -> "1.234" (id) / "1,234" (en)."""
    return _formatted(value, lang, decimals, "")


# A map's rerun formats its villages' rates and counts again (over 2,000 numbers for Kukar): the same
# numbers as the last rerun, as a rule, so babel's answers are kept (bounded; NaN never gets here).
@lru_cache(maxsize=1 << 16)
def _formatted(value: float, lang: str, decimals: int, suffix: str) -> str:
    return _pattern("#,##0" + ("." + "0" * decimals if decimals else "") + suffix).apply(value, _babel(lang))


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
