"""Village boundaries: importers (one per source format), validation, atomic install, display geometry."""
