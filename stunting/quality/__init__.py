"""Data quality, unit by unit: can we trust this village's number?

- ``checks``: each check as a plain function of counts and sums, with its source (nipnTK, WHO/UNICEF,
  Mei & Grummer-Strawn, SMART) and the named minimum of children below which it says
  "terlalu sedikit anak".
- ``stored``: queries/quality_stats.sql's sufficient statistics per regency x year, written at import
  beside the summary by both store writers.
- ``table``: those stored statistics summed to posyandu, puskesmas,
  village, kecamatan or regency, and every check evaluated on them (``quality_table``).
- ``duplicates``: probable duplicate children, found in the import while names are in memory.
- ``findings``: the pairs the import found, stored as source row numbers only.
- ``targets``: the per-village "sasaran" (balita, baduta) behind coverage, with its template.
"""
