"""Vector tiles of public work sites: one feature per site when zoomed in, clusters below."""
