"""Storage: SQLAlchemy models, engines, migrations, unit of work and queries."""
