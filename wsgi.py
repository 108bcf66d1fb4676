"""The WSGI entry point: ``gunicorn wsgi:app``."""

from search import create_app

app = create_app()
