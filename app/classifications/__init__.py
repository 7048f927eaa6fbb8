"""Occupation (ISCO-08) and industry (VSIC 2018) code lists."""
