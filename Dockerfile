# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN groupadd --system peixun && useradd --system --gid peixun --home-dir /app peixun
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=peixun:peixun . .
# collectstatic needs settings that import; these values exist only at build time.
RUN DJANGO_SECRET_KEY=build-only-build-only-build-only-build-only-build-only \
    DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput
USER peixun
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
