#!/usr/bin/env bash
# Makes, locally, the public images the Dockerfiles and compose files name (the Dockerfiles'
# runtime base is `scratch`, which needs nothing), because no image registry is reachable here:
#   docker.io/library/debian:bookworm-slim      a debootstrapped Debian 12 (minbase), its base
#   docker.io/library/rust:1.95-slim-bookworm   that Debian plus gcc and this machine's Rust toolchain
#   docker.io/library/redis:7.0                 that Debian's redis-server (7.0), as the official image runs it
#   docker.io/library/haproxy:2.6               that Debian's haproxy (2.6), as the official image runs it
# Images that already exist are kept. Needs root, podman, debootstrap and Debian's mirror.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export CONTAINERS_CONF="$PWD/containers.conf"

DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim
RUST_IMAGE=docker.io/library/rust:1.95-slim-bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! podman image exists "$DEBIAN_IMAGE"; then
  echo "making $DEBIAN_IMAGE with debootstrap from $MIRROR"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
  rm -rf "$work"/rootfs/var/lib/apt/lists/* "$work"/rootfs/var/cache/apt/archives/*.deb \
         "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/*
  tar -C "$work/rootfs" -c . | podman import --change 'CMD ["bash"]' - "$DEBIAN_IMAGE"
  rm -rf "$work/rootfs"
fi

if ! podman image exists "$RUST_IMAGE"; then
  sysroot=$(rustc --print sysroot)
  version=$(rustc --version)
  echo "making $RUST_IMAGE from $DEBIAN_IMAGE and $version"
  mkdir -p "$work/ctx/rust/bin" "$work/ctx/rust/lib"
  cp "$sysroot/bin/cargo" "$sysroot/bin/rustc" "$work/ctx/rust/bin/"
  cp -a "$sysroot"/lib/*.so* "$work/ctx/rust/lib/"
  mkdir -p "$work/ctx/rust/lib/rustlib" "$work/ctx/host-ca"
  # This network re-signs TLS with its own authority; a builder here must trust
  # it to fetch crates. The host's extra CAs go into the local builder image.
  cp /usr/local/share/ca-certificates/*.crt "$work/ctx/host-ca/" 2>/dev/null || true
  cp -a "$sysroot/lib/rustlib/x86_64-unknown-linux-gnu" "$work/ctx/rust/lib/rustlib/"
  cat >"$work/ctx/Containerfile" <<CONTAINERFILE
FROM $DEBIAN_IMAGE
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY host-ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
COPY rust /usr/local/rust
ENV PATH=/usr/local/rust/bin:/usr/local/cargo/bin:\$PATH CARGO_HOME=/usr/local/cargo
RUN cargo --version && rustc --version
CONTAINERFILE
  podman build --network host -t "$RUST_IMAGE" "$work/ctx" >"$work/build.log" 2>&1 || { tail -20 "$work/build.log"; exit 1; }
fi
# Debian's package in place of an official image: its program on PATH, run as its own user.
package_image() {
  local image=$1 package=$2 user=$3 setup=$4
  podman image exists "$image" && return 0
  echo "making $image from $DEBIAN_IMAGE and Debian's $package"
  mkdir -p "$work/$package"
  cat >"$work/$package/Containerfile" <<CONTAINERFILE
FROM $DEBIAN_IMAGE
RUN apt-get update && apt-get install -y --no-install-recommends $package \
    && rm -rf /var/lib/apt/lists/* && $setup
USER $user
CONTAINERFILE
  podman build --network host -t "$image" "$work/$package" >"$work/$package.log" 2>&1 || { tail -20 "$work/$package.log"; exit 1; }
}
package_image docker.io/library/redis:7.0 redis-server redis "mkdir -p /data && chown redis /data"
package_image docker.io/library/haproxy:2.6 haproxy haproxy "mkdir -p /usr/local/etc/haproxy"

podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'debian|rust|redis|haproxy'
