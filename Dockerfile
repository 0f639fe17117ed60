# syntax=docker/dockerfile:1
# liqmap in one image: `docker build -t liqmap .`, then see the README's "Docker" section.
# Two stages: the build stage compiles node-canvas and sqlite3 against the cairo/pango headers and the
# TypeScript; the runtime stage is plain Debian with the build stage's node binary and the shared libraries
# the addons load, without Node's headers, npm and yarn (90 MB the bot never uses).

# Keep the two on the same Debian release: the runtime runs the node binary of NODE_IMAGE.
ARG NODE_IMAGE=node:22-bookworm-slim
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${NODE_IMAGE} AS build
# canvas is built without JPEG, GIF and SVG loading (it finds no libjpeg, libgif or librsvg): liqmap only
# draws and encodes PNG, and librsvg alone would bring 50 MB of libraries (libxml2, ICU, gdk-pixbuf).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 make g++ pkg-config libcairo2-dev libpango1.0-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Build the native addons from source against the headers above (no prebuilt binary is downloaded), and
# use the image's own Node headers so node-gyp downloads nothing either.
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
# Dependencies first: this layer is reused until package-lock.json changes.
COPY package.json package-lock.json .npmrc ./
RUN npm ci \
 && test -f node_modules/canvas/build/Release/canvas.node \
 && test -f node_modules/sqlite3/build/Release/node_sqlite3.node
COPY . .
# Never loaded at run time: node-gyp's object files (sqlite3's alone are 18 MB; only the .node files
# load), and the packages' source maps and TypeScript declarations (20 MB).
RUN npm run build \
 && npm prune --omit=dev \
 && find node_modules -type d -path '*/build/Release/*' \( -name obj -o -name obj.target -o -name .deps \) -prune -exec rm -rf {} + \
 && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete \
 && node dist/src/cli.js map btc --source sample

FROM ${DEBIAN_IMAGE} AS runtime
# What canvas.node links (readelf -d: cairo, pango, pangocairo, png, freetype, glib); their own
# dependencies (fontconfig, harfbuzz, pixman, …) come with them. node and sqlite3 need libstdc++.
# The user node (uid/gid 1000) as the official Node images have it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libcairo2 libpango-1.0-0 libpangocairo-1.0-0 libpng16-16 libfreetype6 libglib2.0-0 libstdc++6 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY --from=build /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
ENV NODE_ENV=production \
    STORE_PATH=/data/liqmap.sqlite \
    HTTP_PORT=8080
# The app's files stay owned by root: the bot (user node, uid 1000) can read them but not change them.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/assets ./assets
# Fail the build, not the first /liqmap, if a runtime library is missing: draw a real map picture with
# the bundled fonts, and load sqlite3.
RUN node dist/src/cli.js map btc --source sample --out /tmp/map.png \
 && rm /tmp/map.png \
 && node -e "import('sqlite3')" \
 && mkdir -p /data && chown node:node /data
USER node
# The embedded SQLite store (chat settings, digests, alert rules). Unused when REDIS_URL is set.
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "dist/src/http/healthcheck.js"]
CMD ["node", "dist/src/cli.js", "serve"]
