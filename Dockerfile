# Trellis server image: build the monorepo, keep only the server's production files.
# docker build -t trellis . && docker run -p 3000:3000 trellis     (docs/operations.md, "Containers")

# --- build: every workspace package, then the server with its production dependencies alone
FROM node:22-slim AS build
RUN npm install --global pnpm@10.34.8
WORKDIR /src
# The manifests and lockfile first, so a code change reuses the installed dependencies.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY packages/core/package.json packages/core/
COPY packages/db/package.json packages/db/
COPY packages/api/package.json packages/api/
COPY packages/sdk/package.json packages/sdk/
COPY apps/server/package.json apps/server/
COPY apps/console/package.json apps/console/
COPY bench/package.json bench/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm build
# The server's production dependencies from the same lockfile, workspace packages copied in
# (their dist) rather than linked; the console is served from ../../console/dist.
RUN pnpm --config.inject-workspace-packages=true --filter @trellis/server deploy --prod /out/apps/server \
  && cp -r apps/console/dist /out/apps/console-dist

# --- runtime: Node, the built server and its node_modules, as the unprivileged `node` user
FROM node:22-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    TRELLIS_DATA_DIR=/app/data
WORKDIR /app
COPY --from=build --chown=node:node /out/apps/server/package.json apps/server/package.json
COPY --from=build --chown=node:node /out/apps/server/dist apps/server/dist
COPY --from=build --chown=node:node /out/apps/server/node_modules apps/server/node_modules
COPY --from=build --chown=node:node /out/apps/console-dist apps/console/dist
# The embedded database's files when no DATABASE_URL is given; mount a volume to keep them.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
# No curl in the slim image: Node asks /health, which answers 503 while the database is down.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The server itself as PID 1, so SIGTERM from `docker stop` reaches it (graceful shutdown).
CMD ["node", "apps/server/dist/main.mjs"]
