# dataport gateway image: Node LTS, production dependencies only, non-root, health-checked.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY crypto ./crypto
COPY policies ./policies
COPY gateway ./gateway
COPY connectors ./connectors
COPY bin ./bin
COPY benchmarks ./benchmarks
COPY test ./test
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    DATAPORT_DATA_DIR=/var/lib/dataport \
    DATAPORT_HOST=0.0.0.0 \
    DATAPORT_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /var/lib/dataport && chown node:node /var/lib/dataport
USER node
VOLUME ["/var/lib/dataport"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.DATAPORT_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM (docker stop) closes the gateway cleanly and flushes the ledger.
CMD ["node", "dist/bin/dataport.js", "start"]
