"""Administrative areas: loading, listing as GeoJSON, point lookup."""
