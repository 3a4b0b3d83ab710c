# Sekisho container image: a build stage that makes the release tarball and installs it, and a slim
# runtime on the current Node LTS. The install and start commands are deploy/image.sh's, the same
# ones CI runs (test/release/release.test.ts). docs/deploy.md explains how to run it.
#   docker build --build-arg SEKISHO_COMMIT=$(git rev-parse --short=12 HEAD) -t sekisho .
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /src
COPY . .
# the commit --version and /healthz report (.git is not copied into the image)
ARG SEKISHO_COMMIT=unknown
ENV SEKISHO_COMMIT=${SEKISHO_COMMIT}
# dev dependencies for the build only (tsc, vite); better-sqlite3 is compiled once, in the install below
RUN npm ci --ignore-scripts --no-audit --no-fund
RUN deploy/image.sh pack /release
RUN deploy/image.sh install /release/sekisho-*.tgz /opt/sekisho

FROM node:${NODE_VERSION}-bookworm-slim
RUN groupadd --system sekisho \
  && useradd --system --gid sekisho --home-dir /data --no-create-home --shell /usr/sbin/nologin sekisho \
  && install -d -o sekisho -g sekisho -m 0700 /data \
  && install -d -m 0755 /etc/sekisho
COPY --from=build /opt/sekisho /opt/sekisho
COPY deploy/sekisho.yaml /etc/sekisho/sekisho.yaml
ENV NODE_ENV=production \
  SEKISHO_CONFIG=/etc/sekisho/sekisho.yaml \
  SEKISHO_DATA_DIR=/data
USER sekisho
WORKDIR /data
VOLUME /data
# inbound MX, submission, console / API / health (Docker lets a non-root process bind ports below
# 1024 inside the container: net.ipv4.ip_unprivileged_port_start is 0 there)
EXPOSE 25 587 8025
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["/opt/sekisho/node_modules/sekisho/deploy/image.sh", "health"]
# SIGTERM drains: no new connections, open transactions and deliveries finish, then exit 0.
# Give it time: docker stop -t 120 (compose: stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["/opt/sekisho/node_modules/sekisho/deploy/image.sh", "start"]
