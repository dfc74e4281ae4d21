#!/usr/bin/env bash
# Builds one container image per service with podman (`make images`), tagged portcullis/<service>:TAG, on the
# base image BASE_IMAGE (built from Debian packages by scripts/build-base-image.sh when it is the default and
# missing). Podman's layer cache keeps rebuilds short: the dependency layer is rebuilt only when a
# pyproject.toml or constraints.txt changes. Prints each build's time and each image's size.
#   BASE_IMAGE=...  IMAGE_TAG=latest  PODMAN_RUNTIME=runc  SERVICES="ingest scoring watchlist api-gateway analytics"
set -euo pipefail
cd "$(dirname "$0")/.."

DEFAULT_BASE=localhost/portcullis/python-base:3.11-bookworm
BASE_IMAGE="${BASE_IMAGE:-$DEFAULT_BASE}"
IMAGE_TAG="${IMAGE_TAG:-latest}"
SERVICES="${SERVICES:-ingest scoring watchlist api-gateway analytics}"
# Debian's podman runs as root here with runc and explicit limits (crun and the inherited limits fail in
# some sandboxes).
PODMAN=(podman --runtime "${PODMAN_RUNTIME:-runc}")
# The limits this shell may grant (runc fails on larger ones).
nofile="${ULIMIT_NOFILE:-$(ulimit -Hn)}"
nproc="${ULIMIT_NPROC:-4096}"  # the sandbox refuses to set the inherited maximum itself
LIMITS=(--ulimit "nofile=${nofile}:${nofile}" --ulimit "nproc=${nproc}:${nproc}")

if [[ "$BASE_IMAGE" == "$DEFAULT_BASE" ]]; then
  scripts/build-base-image.sh "$BASE_IMAGE"
fi

# The machine's CA bundle, for pip inside the build (a TLS-inspecting proxy on the way to the package index).
CA=()
bundle="${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}"
if [[ -f "$bundle" ]]; then
  CA=(--volume "$(realpath "$bundle"):/run/build-ca.crt:ro" --build-arg PIP_CERT=/run/build-ca.crt)
fi

for service in $SERVICES; do
  image="localhost/portcullis/${service}:${IMAGE_TAG}"
  started=$(date +%s)
  "${PODMAN[@]}" build --quiet --format docker --network host "${LIMITS[@]}" "${CA[@]}" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    -f "services/${service}/Dockerfile" -t "$image" . >/dev/null
  size=$(podman image inspect --format '{{.Size}}' "$image")
  echo "built $image in $(($(date +%s) - started)) s, $((size / 1000000)) MB"
done
