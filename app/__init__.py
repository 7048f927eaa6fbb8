"""Vĩnh Long job-exchange map service."""
