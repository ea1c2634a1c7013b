"""Entry point for gunicorn (`gunicorn wsgi:app`) and the Celery worker (`celery -A wsgi:celery worker`)."""

from marketplace import create_app

app = create_app()
celery = app.extensions["celery"]
