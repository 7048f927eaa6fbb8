"""The map-expiry pass alone (app/vacancies/sweep.unlist_expired) on $APP_DATABASE_URL: prints
how many sites it took off the map. bench/sweep.sh and bench/sweep_codes.sh time it apart from
the recording sweep; run with PYTHONPATH set to the tree whose code is measured."""

import asyncio

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.vacancies.sweep import unlist_expired


async def main() -> None:
    engine = create_engine(Settings())
    try:
        print(await unlist_expired(create_sessionmaker(engine)))
    finally:
        await engine.dispose()


asyncio.run(main())
