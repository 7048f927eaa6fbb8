"""Realistic, deterministic demo data (employers, vacancies, work sites) loaded with COPY."""
