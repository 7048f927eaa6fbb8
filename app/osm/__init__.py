"""Streets from OpenStreetMap: the import, the routing graph and its speeds (issue 16)."""
