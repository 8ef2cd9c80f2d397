"""Content files. The example brochure here ships with the package as `builder.data.content`
(see pyproject.toml and builder/data/__init__.py). Nothing to import here."""
