"""The app object uvicorn imports (`api.main:app`), built from the process's settings."""

from api.app import create_app

app = create_app()
