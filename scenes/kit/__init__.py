"""The drawing kit: scene base class, widgets, voxel volumes, theme and layout helpers (each written once)."""
