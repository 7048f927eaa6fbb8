"""Alembic migrations; `migrations.sqlfiles` applies the SQL files of migrations/sql/."""
