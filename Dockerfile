# syntax=docker/dockerfile:1.7
# latticedb-controller image: build on Debian Node 24, run on distroless Node 24 as non-root.
# Build and push (see README "Image"):
#   docker build -t <registry>/latticedb-controller:<tag> . && docker push <registry>/latticedb-controller:<tag>

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the image needs no install scripts (the dev-only `node` package carries the
# Node 24 binary that local development and CI use; the image already has Node 24).
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY controller ./controller
COPY reconcilers ./reconcilers
RUN npx tsc -p tsconfig.json && npm prune --omit=dev --ignore-scripts

FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# 65532 is distroless' "nonroot"; the Deployment also sets runAsNonRoot and a read-only root
# filesystem. The entrypoint of this image is `node` itself (PID 1), so SIGTERM reaches our
# handler directly and starts the graceful shutdown.
USER 65532:65532
EXPOSE 8080 8081
CMD ["dist/controller/main.js"]
