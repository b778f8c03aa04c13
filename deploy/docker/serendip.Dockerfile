# The Serendip server and its web app in one image.
#
#   docker build -f deploy/docker/serendip.Dockerfile -t serendip .
#   docker run -p 8080:8080 -v serendip-data:/var/lib/serendip \
#     -e SERENDIP_JWT_SECRET=... -e SERENDIP_ALLOWED_ORIGINS=https://chat.example.org serendip
#
# `make images` (scripts/images.sh) builds it with podman or docker. Build
# context: the repository root (.dockerignore keeps build trees and
# node_modules out). The runtime stage holds the binary, the built web app and
# the few shared libraries the binary links (checked against `ldd` by the
# integration suite, deploy-files.test.mjs); it runs as an unprivileged user
# and keeps its SQLite database in /var/lib/serendip (a volume). See
# docs/deploy.md.
#
# Build arguments (all optional):
#   BASE        runtime base image (default debian:12-slim)
#   BUILD_BASE  compiler stage base image (default debian:12)
#   NODE_IMAGE  web stage image, Node 20 or later (default node:20-bookworm-slim)
#   NPM_REGISTRY  npm registry for the web stage (default: npm's own)
#   PREBUILT    "1": take the server binary and the web app from
#               deploy/docker/prebuilt/ (serendip-server, stripped; web/) instead of
#               compiling them; the container test uses it to package the
#               binary `make test` has just built. NODE_IMAGE and BUILD_BASE
#               can then be the same as BASE.
ARG BASE=debian:12-slim
ARG BUILD_BASE=debian:12
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- the web app (Vite needs Node 20 or later; Debian 12's nodejs is 18)
FROM ${NODE_IMAGE} AS web
ARG PREBUILT=0
ARG NPM_REGISTRY=
WORKDIR /src/web
COPY web/package.json web/package-lock.json web/.npmrc ./
RUN if [ "$PREBUILT" != 1 ]; then \
      npm ci --no-audit --no-fund ${NPM_REGISTRY:+--registry="$NPM_REGISTRY"}; \
    fi
COPY web/ ./
COPY protocol/ /src/protocol/
COPY deploy/docker/ /src/deploy/docker/
RUN if [ "$PREBUILT" = 1 ]; then \
      test -f /src/deploy/docker/prebuilt/web/index.html && cp -a /src/deploy/docker/prebuilt/web dist; \
    else \
      npx tsc --noEmit -p . && npx vite build; \
    fi
# The country database for region-aware matching (docs/regions.md): CC0, from
# npm like the web app's packages; prebuilt/geoip-country.mmdb when PREBUILT.
# Without it the server falls back to the browsers' time zones.
ARG GEOIP_PACKAGE=@ip-location-db/geo-whois-asn-country-mmdb@2.3.2026061719
RUN mkdir -p /src/geoip \
 && if [ "$PREBUILT" = 1 ]; then \
      cp /src/deploy/docker/prebuilt/geoip-country.mmdb /src/geoip/ 2>/dev/null || true; \
    else \
      cd /tmp && npm pack --silent ${NPM_REGISTRY:+--registry="$NPM_REGISTRY"} "$GEOIP_PACKAGE" \
      && tar -xzf ./*.tgz package/geo-whois-asn-country.mmdb \
      && mv package/geo-whois-asn-country.mmdb /src/geoip/geoip-country.mmdb && rm -rf package ./*.tgz; \
    fi

# ---- the server (the same Debian packages scripts/bootstrap.sh installs)
FROM ${BUILD_BASE} AS server
ARG PREBUILT=0
RUN if [ "$PREBUILT" != 1 ]; then \
      apt-get update \
      && apt-get install -y --no-install-recommends \
           build-essential cmake ninja-build pkg-config \
           libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
           libssl-dev libsqlite3-dev libpq-dev libhiredis-dev libsodium-dev libargon2-dev libmaxminddb-dev \
      && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /src
COPY CMakeLists.txt ./
COPY server/ server/
COPY protocol/ protocol/
COPY deploy/docker/ deploy/docker/
RUN mkdir -p out \
 && if [ "$PREBUILT" = 1 ]; then \
      install -m 0755 deploy/docker/prebuilt/serendip-server out/serendip-server; \
    else \
      cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSERENDIP_TESTS=OFF -DSERENDIP_BENCH=OFF \
      && cmake --build build --target serendip-server \
      && strip -o out/serendip-server build/serendip-server; \
    fi

# ---- runtime
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libssl3 libsodium23 libboost-json1.81.0 libsqlite3-0 libpq5 libhiredis0.14 libmaxminddb0 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/serendip --shell /usr/sbin/nologin serendip \
 && install -d -o serendip -g serendip -m 0750 /var/lib/serendip
COPY --from=server /src/out/serendip-server /usr/local/bin/serendip-server
COPY --from=web /src/web/dist /usr/share/serendip/web
COPY --from=web /src/geoip/ /usr/share/serendip/geoip/
ENV SERENDIP_LISTEN=0.0.0.0:8080 \
    SERENDIP_GEOIP_DB=/usr/share/serendip/geoip/geoip-country.mmdb \
    SERENDIP_STATIC_DIR=/usr/share/serendip/web \
    SERENDIP_DATABASE_URL=sqlite:///var/lib/serendip/serendip.db
USER 10001:10001
WORKDIR /var/lib/serendip
VOLUME ["/var/lib/serendip"]
EXPOSE 8080
# SIGTERM drains: clients are told to reconnect, then sockets close with 1001.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/serendip-server"]
