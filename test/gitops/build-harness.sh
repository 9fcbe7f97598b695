#!/usr/bin/env bash
# build-harness.sh — build test/gitops/harness (gopher-lua for the Argo CD scripts, cel-go for the
# Flux expressions) from Go modules into the test binary cache, keyed by the hash of its sources:
# ${LATTICEDB_TEST_BIN_DIR:-~/.cache/latticedb-test-bin/<k8s version>}/gitops-harness-<hash>.
# Prints the binary's path. Idempotent; a cached run takes well under a second. Needs Go >= 1.24 and
# the Go module proxy on first use (about 20 s on 2 cores with the modules cached, +1 min without).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_VERSION="$(sed -n 's/^K8S_VERSION=//p' "$HERE/../env/control-plane.versions")"
OUT="${LATTICEDB_TEST_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/latticedb-test-bin/${K8S_VERSION}}"
HASH="$(cat "$HERE/harness/go.mod" "$HERE/harness/go.sum" "$HERE/harness/main.go" | sha256sum | cut -c1-12)"
BIN="$OUT/gitops-harness-$HASH"
if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi
command -v go >/dev/null || { echo "go not found: the gitops harness needs a Go toolchain (>= 1.24) and a Go module proxy" >&2; exit 1; }
mkdir -p "$OUT"
exec 9>"$OUT/.gitops-harness.lock"; flock 9
if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" CGO_ENABLED=0 GOWORK=off
unset GOFLAGS || true
( cd "$HERE/harness" && go build -mod=mod -trimpath -ldflags "-s -w" -o "$BIN.tmp" . ) >&2
mv -f "$BIN.tmp" "$BIN"
echo "$BIN"
