# One image for every Kembar process (api, relay, worker, migrate); the command picks the role.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core ./core
COPY api ./api
COPY schema ./schema
COPY workers ./workers
COPY cli ./cli
RUN pip install . && useradd --system --uid 10001 kembar
USER kembar
EXPOSE 8000
CMD ["kembar", "serve", "--host", "0.0.0.0", "--port", "8000"]
