"""WSGI entry point for production: gunicorn -w 4 -b 127.0.0.1:8080 wsgi:app"""
from app import create_app

app = create_app()
