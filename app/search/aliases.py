"""The table aliases every search statement uses."""

from __future__ import annotations

from sqlalchemy.orm import aliased

from app.models import Area, Employer, Vacancy, VacancySite

# Aliases are built once: an aliased class is costly to create (it proxies every column), and
# the same objects each request let SQLAlchemy reuse the compiled SQL.
site = aliased(VacancySite, name="site")
vacancy = aliased(Vacancy, name="v")
employer = aliased(Employer, name="e")
commune = aliased(Area, name="commune")
