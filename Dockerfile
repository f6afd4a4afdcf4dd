# syntax=docker/dockerfile:1
#
# labmcp: the router, both MCP servers and the Benchling sandbox in one container, supervised by PM2
# (ecosystem.config.js), as `npm start` runs them. Build and run:
#
#   docker build -t labmcp .
#   docker run --rm -p 8080:8080 -v labmcp-data:/app/data labmcp
#
# Everything is configured by environment variables (`docker run -e ...` or `--env-file`), the same ones
# `npm start` reads: see README.md. The separate-containers layout (one container per server behind nginx)
# uses this same image with another command: see deploy/README.md.
#
# HTTPS without a load balancer: mount the certificate and key read-only and point ROUTER_TLS_CERT_FILE and
# ROUTER_TLS_KEY_FILE at them (renewed files are picked up without a restart); docs/configuration.md#https.
#
# test/deploy/dockerfile.test.ts executes this file's COPY/RUN/ENV/WORKDIR/CMD steps without a Docker engine;
# keep to the instructions and flags it understands (it fails loudly on anything else).

# Node.js 26 ("Lithium") is the Active LTS line since 2026-10-28; 24 ("Krypton") is in maintenance until 2028-04.
ARG NODE_VERSION=26

# ---- pnpm and the workspace manifests: changes only when dependencies change -------------------------------
FROM node:${NODE_VERSION}-slim AS deps
WORKDIR /app
ENV CI=true \
    PNPM_STORE_DIR=/pnpm/store
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
# The pnpm version pinned in package.json's packageManager field, installed with npm (corepack's signature
# check is unreliable).
RUN npm install --global --no-fund --no-audit --no-update-notifier \
      "pnpm@$(node -p "require('./package.json').packageManager.split('@')[1]")" \
 && pnpm --version
COPY packages/service-kit/package.json packages/service-kit/
COPY packages/router/package.json packages/router/
COPY packages/quilt-mcp/package.json packages/quilt-mcp/
COPY packages/benchling-mcp/package.json packages/benchling-mcp/
COPY packages/benchling-sandbox/package.json packages/benchling-sandbox/

# ---- build: every dependency, then the TypeScript project references --------------------------------------
FROM deps AS build
RUN --mount=type=cache,id=labmcp-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --prefer-offline --store-dir "$PNPM_STORE_DIR"
COPY tsconfig.base.json tsconfig.json ./
COPY packages/ packages/
RUN pnpm exec tsc -b

# ---- production dependencies only (no TypeScript, tap, tsx...) -------------------------------------------
FROM deps AS prod-deps
RUN --mount=type=cache,id=labmcp-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --prefer-offline --prod --store-dir "$PNPM_STORE_DIR"

# ---- runtime ----------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-slim AS runtime
LABEL org.opencontainers.image.title="labmcp" \
      org.opencontainers.image.description="Quilt and Benchling MCP servers behind one router, supervised by PM2" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
# Defaults only: every one of these (and every other setting in README.md) can be overridden with `docker run -e`.
ENV NODE_ENV=production \
    LABMCP_DATA_DIR=/app/data \
    LABMCP_LOG_DIR=/app/logs \
    ROUTER_HOST=0.0.0.0 \
    ROUTER_PORT=8080 \
    PATH=/app/node_modules/.bin:$PATH

# Production node_modules (pnpm's layout: the root one holds the store, each package's links into it).
COPY --from=prod-deps /app/node_modules node_modules
COPY --from=prod-deps /app/packages/service-kit/node_modules packages/service-kit/node_modules
COPY --from=prod-deps /app/packages/router/node_modules packages/router/node_modules
COPY --from=prod-deps /app/packages/quilt-mcp/node_modules packages/quilt-mcp/node_modules
COPY --from=prod-deps /app/packages/benchling-mcp/node_modules packages/benchling-mcp/node_modules
COPY --from=prod-deps /app/packages/benchling-sandbox/node_modules packages/benchling-sandbox/node_modules

# The compiled packages: package.json (module type, exports, version) and dist/ only.
COPY --from=build /app/packages/service-kit/package.json packages/service-kit/
COPY --from=build /app/packages/service-kit/dist packages/service-kit/dist
COPY --from=build /app/packages/router/package.json packages/router/
COPY --from=build /app/packages/router/dist packages/router/dist
COPY --from=build /app/packages/quilt-mcp/package.json packages/quilt-mcp/
COPY --from=build /app/packages/quilt-mcp/dist packages/quilt-mcp/dist
COPY --from=build /app/packages/benchling-mcp/package.json packages/benchling-mcp/
COPY --from=build /app/packages/benchling-mcp/dist packages/benchling-mcp/dist
COPY --from=build /app/packages/benchling-sandbox/package.json packages/benchling-sandbox/
COPY --from=build /app/packages/benchling-sandbox/dist packages/benchling-sandbox/dist

# The PM2 process file, and the demo token minter (`docker exec <container> node scripts/token.mjs`).
COPY package.json ecosystem.config.js ./
COPY scripts/token.mjs scripts/

# Data (demo signing key, local Quilt registry, sandbox tenant) and logs belong to the unprivileged `node` user
# (uid 1000) that the official image provides.
RUN mkdir -p /app/data /app/logs \
 && chown node:node /app/data /app/logs
USER node
VOLUME ["/app/data", "/app/logs"]
EXPOSE 8080

# Healthy when the router answers /health with 200, which it does only while both MCP servers are up. Over HTTPS
# when the router serves it (ROUTER_TLS_CERT_FILE): the probe asks the container itself by address, so the
# certificate's names are not checked, and it sends no credential.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require(process.env.ROUTER_TLS_CERT_FILE?'node:https':'node:http').get({host:'127.0.0.1',port:process.env.ROUTER_PORT||8080,path:'/health',rejectUnauthorized:false,timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',function(){this.destroy()})"]

# pm2-runtime stays in the foreground, forwards SIGTERM/SIGINT to the processes (each drains in at most 8 s,
# PM2 waits 10 s): give `docker stop` at least 15 s (`docker stop -t 15`, compose `stop_grace_period`).
CMD ["pm2-runtime", "ecosystem.config.js"]
