"""What the code expects of the database schema (Alembic heads), read once at start-up."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory


def alembic_config(alembic_ini: Path, database_url: str | None = None) -> Config:
    # stdout looked up now, not at import: `jobmap db current` output must be capturable.
    config = Config(str(alembic_ini), stdout=sys.stdout)
    if database_url is not None:
        # Passed as an attribute, not an option: configparser would choke on '%' in passwords.
        config.attributes["database_url"] = database_url
    return config


def migration_heads(alembic_ini: Path) -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config(alembic_ini)).get_heads())
