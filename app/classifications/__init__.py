"""Occupation (ISCO-08) and industry (VSIC 2018 and 2025) code lists."""
