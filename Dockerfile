# complaint monitor: the daemon as a container service.
#   build:  docker build -t complaint-monitor .
#   run:    docker run -v ./monitor.toml:/config/monitor.toml:ro -v monitor-data:/data -p 127.0.0.1:8080:8080 complaint-monitor
# Config is mounted at /config/monitor.toml, state lives in /data, secrets come from the environment
# (${VAR} in the config) or from files (`bot_token_file = "/run/secrets/slack_bot_token"`).

FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/monitor
WORKDIR /src
# Dependencies first, from pyproject.toml alone (with the PostgreSQL driver): this layer is reused
# until pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['postgres']))" > /tmp/requirements.txt \
 && /opt/monitor/bin/pip install --requirement /tmp/requirements.txt
COPY README.md ./
COPY monitor ./monitor
COPY sources ./sources
COPY alerts ./alerts
RUN /opt/monitor/bin/pip install --no-deps . \
 && /opt/monitor/bin/monitor --version

FROM python:3.12-slim
LABEL org.opencontainers.image.title="complaint-monitor" \
      org.opencontainers.image.description="Watches social media for brand complaints and alerts in Slack" \
      org.opencontainers.image.licenses="MIT"
ENV PATH=/opt/monitor/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 HOME=/data
COPY --from=build /opt/monitor /opt/monitor
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin monitor \
 && mkdir -p /data /config \
 && chown monitor:monitor /data
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080
# /healthz of [daemon] health_port: 8080, or set MONITOR_HEALTH_PORT to the port the config names.
ENV MONITOR_HEALTH_PORT=8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['MONITOR_HEALTH_PORT'], timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["monitor"]
CMD ["run", "--config", "/config/monitor.toml"]
