# syntax=docker/dockerfile:1
#
# The base image is pinned by digest, so a rebuild gets the same Node and Debian bits until someone
# decides otherwise. It is node:24-bookworm-slim (Node 24.18.0 when pinned). To move to a newer one:
#   docker buildx imagetools inspect node:24-bookworm-slim   # prints the current digest
# then replace the digest here (or build with --build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:<digest>).
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# Build stage: compiles TypeScript, then drops dev dependencies. (The SQLite driver ships Node-API
# binaries in its package, so no compiler is needed.)
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: nothing the image runs needs one (the SQLite driver loads its shipped binary), and
# dev-only ones (esbuild, embedded PostgreSQL) have no place in a build.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run stage: production dependencies and compiled JavaScript only. The files belong to root and are
# read-only for the unprivileged `node` user the bot runs as: a compromised process cannot rewrite its
# own code. Only /app/data (the SQLite default) is writable; with PostgreSQL nothing needs to be.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=3000 \
    ROLLBACK_BOT_CONFIG=/app/config/rollback-bot.toml \
    DATABASE_URL=sqlite:/app/data/rollback-bot.db
# tini reaps zombies and forwards SIGTERM, so the bot drains (readiness 503, follow-ups finish) and exits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# COPY makes root the owner; the modes npm and tsc gave the files as root (644, 755) are kept.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY rollback-bot.example.toml ./config/rollback-bot.example.toml
RUN mkdir -p /app/data && chown node:node /app/data
USER node
# Fail the build if the runtime user could change the code it runs.
RUN if touch dist/main.js node_modules/pg/package.json 2>/dev/null; then echo 'app files are writable by node'; exit 1; fi
VOLUME ["/app/data"]
# 3000: Slack, SNS, GitHub and /healthz. 9090: the optional admin port (ADMIN_PORT=9090 and
# ADMIN_HOST=0.0.0.0) for /metrics and the detailed /readyz; keep it off the public Service.
EXPOSE 3000 9090
# Liveness, not readiness: a replica that is alive but unready (Slack token refused, draining) must be
# taken out of the load balancer by /readyz, not restarted.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
