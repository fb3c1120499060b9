"""The application layer: command line, notes regeneration, data files, cache, gallery."""
