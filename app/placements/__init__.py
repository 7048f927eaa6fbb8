"""Placements: people placed into jobs, recorded by employers and the department."""
