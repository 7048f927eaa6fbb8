"""OGC API - Features: vacancies and areas for GIS clients."""
