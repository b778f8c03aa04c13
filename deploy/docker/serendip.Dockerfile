# The Serendip server and its web app in one image.
#
#   docker build -f deploy/docker/serendip.Dockerfile -t serendip .
#   docker run -p 8080:8080 -v serendip-data:/var/lib/serendip \
#     -e SERENDIP_JWT_SECRET=... -e SERENDIP_ALLOWED_ORIGINS=https://chat.example.org serendip
#
# Build context: the repository root (.dockerignore keeps build trees and
# node_modules out). The runtime stage holds the binary, the built web app and
# the few shared libraries the binary links (checked against `ldd` by the
# integration suite, deploy-files.test.mjs); it runs as an unprivileged user
# and keeps its SQLite database in /var/lib/serendip (a volume). See
# docs/deploy.md.

# ---- the web app (Vite needs Node 20 or later; Debian 12's nodejs is 18)
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json web/.npmrc ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
COPY protocol/ /src/protocol/
RUN npx tsc --noEmit -p . && npx vite build

# ---- the server (the same Debian packages scripts/bootstrap.sh installs)
FROM debian:12 AS server
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
      libssl-dev libsqlite3-dev libpq-dev libhiredis-dev libsodium-dev libargon2-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY server/ server/
COPY protocol/ protocol/
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSERENDIP_TESTS=OFF -DSERENDIP_BENCH=OFF \
 && cmake --build build --target serendip-server \
 && strip build/serendip-server

# ---- runtime
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libssl3 libsodium23 libboost-json1.81.0 libsqlite3-0 libpq5 libhiredis0.14 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/serendip --shell /usr/sbin/nologin serendip \
 && install -d -o serendip -g serendip -m 0750 /var/lib/serendip
COPY --from=server /src/build/serendip-server /usr/local/bin/serendip-server
COPY --from=web /src/web/dist /usr/share/serendip/web
ENV SERENDIP_LISTEN=0.0.0.0:8080 \
    SERENDIP_STATIC_DIR=/usr/share/serendip/web \
    SERENDIP_DATABASE_URL=sqlite:///var/lib/serendip/serendip.db
USER 10001:10001
WORKDIR /var/lib/serendip
VOLUME ["/var/lib/serendip"]
EXPOSE 8080
# SIGTERM drains: clients are told to reconnect, then sockets close with 1001.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/serendip-server"]
