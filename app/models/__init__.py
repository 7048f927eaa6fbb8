"""ORM tables, one module per aggregate. Importing this package registers them all."""

from app.models.area import Area, AreaLevel

__all__ = ["Area", "AreaLevel"]
