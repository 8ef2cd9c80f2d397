"""The fonts brochure ships, installed as the package data `builder.data.fonts` (see
pyproject.toml and builder/data/__init__.py). Nothing to import here."""
