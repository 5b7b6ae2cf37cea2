# syntax=docker/dockerfile:1
# wenzhen: a multi-stage image. The build stage installs the wheel and its dependencies into a venv
# and trains the NLU model into it; the runtime stage copies that venv and runs as a non-root user.
#   docker build -t wenzhen .          docker compose up -d          (see docs/deploy.md)

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/wenzhen && /opt/wenzhen/bin/pip install --upgrade pip "setuptools>=77,<80"
WORKDIR /src
# What the wheel is built from (tests, benchmarks and docs stay out of the image).
COPY pyproject.toml setup.py MANIFEST.in README.md LICENSE config.yml ./
COPY bot ./bot
COPY nlu ./nlu
COPY flows ./flows
COPY actions ./actions
COPY integrations ./integrations
COPY content ./content
RUN /opt/wenzhen/bin/pip install --no-build-isolation .
# The NLU model is trained from the shipped data at build time (deterministic, seconds), into the
# installed package where `nlu.model` in config.yml points, so no container trains at start.
RUN /opt/wenzhen/bin/wenzhen nlu train

FROM python:3.11-slim-bookworm AS runtime
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/wenzhen --create-home --shell /usr/sbin/nologin wenzhen
COPY --from=build /opt/wenzhen /opt/wenzhen
ENV PATH=/opt/wenzhen/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    WENZHEN_DATA_DIR=/var/lib/wenzhen
USER wenzhen
WORKDIR /var/lib/wenzhen
# Media patients send (and, embedded, the SQLite database and secret key) live here.
VOLUME ["/var/lib/wenzhen"]
EXPOSE 5005
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:5005/healthz', timeout=4).status != 200)"]
CMD ["wenzhen", "serve", "--host", "0.0.0.0", "--port", "5005"]
