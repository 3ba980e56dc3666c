"""The gunicorn target: ``gunicorn wsgi:app``."""
from petitions import create_app

app = create_app()
