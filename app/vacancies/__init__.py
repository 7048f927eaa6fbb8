"""Vacancies: posting, lifecycle, the changes feed."""
