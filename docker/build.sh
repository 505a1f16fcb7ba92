#!/usr/bin/env bash
# The one build both images share (Dockerfile.server and Dockerfile.bridge run it in their
# builder stage): the release binaries, then the runtime's root filesystem: exactly the
# shared libraries the binaries link (ldd), CA certificates for HTTPS to ConnectWise, the
# non-root user, and a /tmp. Cargo's registry and target directories are build caches, so a
# second image, or a rebuild after a code change, compiles only what changed.
set -euo pipefail
cd /src
cargo build --release --locked -p cw-mcp-server -p cw-bridge
mkdir -p /out /rootfs/etc/ssl/certs /rootfs/tmp
cp target/release/cw-mcp-server target/release/cw-bridge /out/
# One binary at a time: ldd names each file in a header line when given several.
for lib in $(for binary in /out/*; do ldd "$binary"; done \
  | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i}' | sort -u); do
  cp --parents -L "$lib" /rootfs
done
cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/
echo 'cwmcp:x:10001:10001:cw-mcp:/tmp:/nonexistent' >/rootfs/etc/passwd
echo 'cwmcp:x:10001:' >/rootfs/etc/group
chmod 1777 /rootfs/tmp
