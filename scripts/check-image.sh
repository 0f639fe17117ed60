#!/usr/bin/env bash
# Builds the Dockerfile as it is and runs the image against the project's fake Telegram and Discord
# (`make image-check`; CI runs it after the tests). No Docker engine runs here, so:
# - the official base images are stood in for by scripts/image-base.sh (built once, then reused);
# - buildah builds both stages (--isolation chroot) and keeps each step's layer, so an unchanged
#   package-lock.json reuses the compiled npm ci step;
# - `npm ci` in the build reads the host's npm cache, mounted at /root/.npm as an overlay (the build's
#   writes are discarded), and an npmrc saying offline=true: the Dockerfile itself is unchanged and a
#   real `docker build` fetches from the registry as usual;
# - test/image/*.check.ts (vitest.image.config.ts) run the built image with `buildah run`, which shares
#   the host's loopback with the fakes.
# Needs root. Environment: LIQMAP_IMAGE (tag to build, default localhost/liqmap:check),
# LIQMAP_IMAGE_CACHE (downloads for the base images, default /var/cache/liqmap-image).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "check-image: run as root (buildah's chroot isolation and debootstrap need it)" >&2
  exit 1
fi
need_apt=()
for pkg in buildah debootstrap; do
  [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "check-image: installing Debian packages: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# The checks on the host need vitest and the fakes' packages, not the native addons: without a
# node_modules (a fresh clone), install the packages without building anything (scripts/setup.sh still
# does its full install later, as this leaves no stamp of it).
if [ ! -x node_modules/.bin/vitest ]; then
  echo "check-image: installing npm packages for the checks (no native builds)"
  npm ci --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error
fi

export LIQMAP_IMAGE_CACHE=${LIQMAP_IMAGE_CACHE:-/var/cache/liqmap-image}
image=${LIQMAP_IMAGE:-localhost/liqmap:check}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)

echo "check-image: base images"
base_args=$(bash scripts/image-base.sh)
build_args=()
for arg in $base_args; do build_args+=(--build-arg "$arg"); done
t1=$(date +%s)

echo "check-image: building $image (${build_args[*]})"
printf 'offline=true\n' >"$work/npmrc"
: >"$work/build.log"
set +e
buildah build --isolation chroot --layers --format docker "${build_args[@]}" \
  --volume "$(npm config get cache):/root/.npm:O" --volume "$work/npmrc:/root/.npmrc:ro" \
  --tag "$image" . >"$work/build.log" 2>&1 &
build_pid=$!
# The steps as they go; the whole log only when the build fails.
tail -n +1 -f --pid=$build_pid "$work/build.log" | grep --line-buffered -E '^\[[0-9]+/[0-9]+\] (STEP|COMMIT)|^--> |^Successfully'
wait $build_pid
build_status=$?
set -e
if [ $build_status -ne 0 ]; then
  echo "check-image: the build failed; its last lines:" >&2
  tail -n 60 "$work/build.log" >&2
  if grep -q ENOTCACHED "$work/build.log"; then
    echo "check-image: a package of package-lock.json is not in the host's npm cache: run 'npm ci' here first" >&2
  fi
  exit 1
fi
t2=$(date +%s)

# Keep the layers of this build (the next one reuses them) and drop those of earlier builds.
keep=$(grep -oE '^--> (Using cache )?[0-9a-f]{11,64}' "$work/build.log" | grep -oE '[0-9a-f]{11,64}$' || true)
for id in $(buildah images --filter dangling=true --no-trunc --quiet 2>/dev/null | sed 's/^sha256://'); do
  used=no
  for k in $keep; do case $id in "$k"*) used=yes ;; esac; done
  if [ $used = no ]; then buildah rmi "$id" >/dev/null 2>&1 || true; fi
done

t3=$(date +%s)
echo "check-image: $image is $(buildah images --format '{{.Size}}' "$image" | head -n 1)"
echo "check-image: running the image"
set +e
LIQMAP_IMAGE=$image npx vitest run -c vitest.image.config.ts
check_status=$?
set -e
t4=$(date +%s)
echo "check-image: base images $((t1 - t0)) s, build $((t2 - t1)) s, old layers removed $((t3 - t2)) s, checks $((t4 - t3)) s, total $((t4 - t0)) s"
exit $check_status
