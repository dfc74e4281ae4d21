#!/usr/bin/env bash
# Builds the Python base image of the service images from Debian packages (debootstrap bookworm, Debian's
# Python 3.11) and imports it into podman's store; does nothing when the image is already there.
#   scripts/build-base-image.sh [IMAGE]      default: localhost/portcullis/python-base:3.11-bookworm
# For machines that cannot pull the usual Python base image. Agencies with their own base image pass it to the
# builds instead (`make images BASE_IMAGE=...`): any Debian-based image with python3 (3.11) and its venv module.
# Needs root, debootstrap and podman. The Debian mirror is the one this machine's apt uses (or DEBIAN_MIRROR).
set -euo pipefail

IMAGE="${1:-${BASE_IMAGE:-localhost/portcullis/python-base:3.11-bookworm}}"
SUITE=bookworm
PACKAGES=python3,python3-venv,libgomp1,ca-certificates,tzdata

if podman image exists "$IMAGE"; then
  echo "base image $IMAGE is already in podman's store"
  exit 0
fi

mirror="${DEBIAN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  # The first Debian archive that apt is configured with (deb822 .sources or one-line sources.list).
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | awk '/^URIs:/ {print $2}' | grep -v -- '-security' | head -n 1 || true)
fi
if [[ -z "$mirror" ]]; then
  mirror=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -n 1 || true)
fi
if [[ -z "$mirror" ]]; then
  echo "no Debian mirror found in apt's sources: set DEBIAN_MIRROR" >&2
  exit 1
fi

root=$(mktemp -d /var/tmp/portcullis-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
started=$(date +%s)
echo "debootstrap $SUITE ($PACKAGES) into $root"
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$mirror" >"$root.log" 2>&1 \
  || { tail -n 30 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"

# What a container never needs: package caches and lists, documentation, man pages, locales but C.UTF-8.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
  "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
find "$root"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'C.UTF-8' -exec rm -rf {} +
# The compiled bytecode of the standard library is kept: it makes every service start faster.

tar --numeric-owner -C "$root" -c . | podman import \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["python3"]' \
  - "$IMAGE" >/dev/null
echo "base image $IMAGE built in $(($(date +%s) - started)) s"
podman image ls "$IMAGE"
