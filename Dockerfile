# syntax=docker/dockerfile:1
# Build stage: compiles TypeScript and native modules, then drops dev dependencies.
FROM node:24-slim AS build
WORKDIR /app
# Native addons (the SQLite driver) compile from source: they need a toolchain here, not at run time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run stage: production dependencies and compiled JavaScript only, as the unprivileged node user.
FROM node:24-slim
ENV NODE_ENV=production \
    PORT=3000 \
    ROLLBACK_BOT_CONFIG=/app/config/rollback-bot.toml \
    DATABASE_URL=sqlite:/app/data/rollback-bot.db
# tini reaps zombies and forwards SIGTERM so the bot can finish in-flight work and exit cleanly.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node rollback-bot.example.toml ./config/rollback-bot.example.toml
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
