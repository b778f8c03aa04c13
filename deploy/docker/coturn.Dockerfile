# coturn from Debian 12 with Serendip's production configuration.
#
#   docker build -f deploy/docker/coturn.Dockerfile -t serendip-coturn .
#   docker run --network host -v /path/to/turn_secret:/run/secrets/turn_secret:ro \
#     -v /etc/letsencrypt/live/turn.example.org:/etc/coturn/tls:ro serendip-coturn \
#     --realm=turn.example.org --external-ip=<public address>
#
# The TURN REST secret comes from the mounted file (never the image or the
# command line): run-turnserver.sh appends it to a private copy of the
# configuration. Host networking, because TURN relays on a wide UDP port range
# (min-port..max-port) that port mapping handles badly. See docs/turn.md.
# `make images` builds it; BASE (build argument) is the base image.
ARG BASE=debian:12-slim
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends coturn ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && useradd --system --uid 10002 --user-group --no-create-home --shell /usr/sbin/nologin serendip-turn
COPY deploy/coturn/turnserver.prod.conf /etc/coturn/turnserver.prod.conf
COPY deploy/coturn/run-turnserver.sh /usr/local/bin/run-turnserver.sh
ENV TURN_CONFIG=/etc/coturn/turnserver.prod.conf \
    TURN_SECRET_FILE=/run/secrets/turn_secret
USER 10002:10002
EXPOSE 3478/udp 3478/tcp 5349/tcp
# Unprivileged: the pid file and coturn's SQLite user database go to /tmp.
ENTRYPOINT ["/usr/local/bin/run-turnserver.sh"]
CMD ["--log-file=stdout", "--pidfile=/tmp/turnserver.pid", "--userdb=/tmp/turndb"]
