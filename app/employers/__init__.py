"""Employers: accounts vetted by the department, and their API keys."""
