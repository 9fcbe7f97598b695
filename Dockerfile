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
COPY flags ./flags
COPY build ./build
# `npm run build`: tsc, then build/bundle.ts bundles dist/controller/main.js in place (only the
# client-node code the controller reaches: the process starts ~30 MiB smaller, see that file).
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# 65532 is distroless' "nonroot"; the Deployment also sets runAsNonRoot and a read-only root
# filesystem (nothing is written outside the /tmp emptyDir).
USER 65532:65532
EXPOSE 8080 8081
# `node` itself is PID 1 (exec form, no shell), so SIGTERM reaches our handler directly and starts
# the graceful shutdown. The script is part of the ENTRYPOINT, not the CMD: a Deployment's `args`
# replace the CMD, so they must be controller flags only (they are appended to the ENTRYPOINT).
# --max-semi-space-size=1 (MiB): V8 otherwise grows the young generation during the initial list of
# thousands of objects and keeps the reserved heap; measured by `npm run bench` (runtime suite, the
# same objects with and without the flag): at 5,000 objects RSS 314 → 177 MiB, reserved heap
# 202 → 75 MiB, heap used unchanged, no slower.
# --optimize-for-size: V8 favours memory over speed; measured by the memory suite's variants (the
# same objects, restarted with and without it): 5,000 FlagRollouts or FailoverPlans read 149–153 MiB
# with it against 214–299 MiB without (the 200 MiB target), for a start ~1.7× slower (2,000 objects:
# initial pass ~0.9 s instead of ~0.55 s) and the resync pass unchanged. A controller spends its
# life at rest in resyncs, so the memory is worth more than the start-up.
# The bench reads the flags from this line.
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=1", "--optimize-for-size", "dist/controller/main.js"]
