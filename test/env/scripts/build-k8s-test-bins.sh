#!/usr/bin/env bash
# build-k8s-test-bins.sh — build kube-apiserver, kubectl and etcd for the integration tests from Go
# modules only (no release-binary downloads, no Docker). Idempotent: a binary whose stamp matches the
# wanted version is not rebuilt, so a second run returns in well under a second.
#
# Needs: Go >= the `go` line of k8s.io/kubernetes@$K8S_VERSION (1.24.0 for v1.34.x, 1.25.0 for v1.35.x,
#        1.26.0 for v1.36.x/v1.37.x), a Go module proxy and its checksum database, flock. No cgo, no git.
# Usage: test/env/scripts/build-k8s-test-bins.sh            (versions from test/env/control-plane.versions)
#        K8S_VERSION=v1.35.4 ETCD_VERSION=v3.6.16 OUT=/some/dir test/env/scripts/build-k8s-test-bins.sh
#        ETCD_VERSION= (empty) skips etcd (then Debian's etcd-server on PATH is used as the fallback).
# Measured on 2 cores with empty module and build caches (v1.34.4, etcd v3.6.16): etcd + kube-apiserver
#        225 s wall on a quiet machine; etcd + kube-apiserver + kubectl 400 s on a busy one (load ~5;
#        ~6.5 min CPU). Afterwards GOMODCACHE 835 MB, GOCACHE 2.6 GB, binaries 183 MB. A cached run: <0.1 s.
#
# Why a wrapper module: `go install k8s.io/kubernetes/cmd/kube-apiserver@vX` is refused because
# k8s.io/kubernetes/go.mod has `replace k8s.io/api => ./staging/src/k8s.io/api` (and ~30 more) and
# requires those staging modules at the fake version v0.0.0. A main module that requires
# k8s.io/kubernetes and replaces every staging module with its published tag v0.<minor>.<patch>
# builds cleanly (kubernetes/kubernetes#79384). Same story for etcd: go.etcd.io/etcd/server/v3's
# go.mod has local replaces, so `go install` fails; a 5-line main calling etcdmain.Main works.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../control-plane.versions
PINNED_K8S="$(sed -n 's/^K8S_VERSION=//p' "$HERE/../control-plane.versions")"
PINNED_ETCD="$(sed -n 's/^ETCD_VERSION=//p' "$HERE/../control-plane.versions")"

K8S_VERSION="${K8S_VERSION:-$PINNED_K8S}"      # a k8s.io/kubernetes tag the proxy serves
ETCD_VERSION="${ETCD_VERSION-$PINNED_ETCD}"    # go.etcd.io/etcd/server/v3 tag; empty = skip
COMPONENTS="${COMPONENTS:-kube-apiserver kubectl}"  # any k8s.io/kubernetes/cmd/<name>
OUT="${OUT:-${LATTICEDB_TEST_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/latticedb-test-bin/${K8S_VERSION}}}"

export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"     # fail clearly instead of downloading another toolchain
export CGO_ENABLED=0                           # upstream release builds of both are static too
export GOWORK=off
unset GOFLAGS || true

STAGING_VERSION="v0.${K8S_VERSION#v1.}"        # v1.34.4 -> v0.34.4 ; v1.35.0-rc.1 -> v0.35.0-rc.1
MINOR="${K8S_VERSION#v1.}"; MINOR="${MINOR%%.*}"

# A binary is current when $OUT/.stamp-<name> holds the version it was built from.
is_current() { [[ -x "$OUT/$1" && -f "$OUT/.stamp-$1" && "$(cat "$OUT/.stamp-$1")" == "$2" ]]; }

# Print the wrapper go.mod for an upstream k8s.io/kubernetes go.mod ($1).
gen_wrapper_gomod() {
  local up="$1"
  echo "module local.test/kube-bin-build"
  echo
  grep -m1 -E '^go [0-9]' "$up"                       # same minimum Go as upstream
  # copy `godebug` (single line or block) so runtime GODEBUG defaults match upstream builds
  awk '/^godebug \(/{b=1} b{print} b&&/^\)/{b=0;next} /^godebug [^(]/{print}' "$up"
  echo
  echo "require k8s.io/kubernetes ${K8S_VERSION}"
  echo
  echo "replace ("
  sed -n -E 's#^[[:space:]]*(k8s\.io/[A-Za-z0-9._-]+)[[:space:]]+=>[[:space:]]+\./staging/src/k8s\.io/[A-Za-z0-9._-]+[[:space:]]*$#\t\1 => \1 '"${STAGING_VERSION}"'#p' "$up"
  echo ")"
}

build_k8s() {
  local d="$WORK/k8s" up ld kv c pkgs=() todo=()
  for c in $COMPONENTS; do is_current "$c" "$K8S_VERSION" || todo+=("$c"); done
  if [[ ${#todo[@]} -eq 0 ]]; then echo "cached: ${COMPONENTS} ${K8S_VERSION}"; return 0; fi
  mkdir -p "$d"; cd "$d"
  # Downloads the k8s.io/kubernetes zip (needed anyway) and tells us where its go.mod is cached.
  up="$(go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" \
        | sed -n -E 's/^[[:space:]]*"GoMod": "(.*)",?[[:space:]]*$/\1/p' | head -1)"
  [[ -f "$up" ]] || { echo "cannot locate go.mod of k8s.io/kubernetes@${K8S_VERSION}" >&2; exit 1; }
  gen_wrapper_gomod "$up" > go.mod
  grep -q "k8s.io/api => k8s.io/api ${STAGING_VERSION}" go.mod \
    || { echo "generated go.mod has no staging replaces; upstream go.mod format changed?" >&2; cat go.mod >&2; exit 1; }
  for c in "${todo[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/${c}@${K8S_VERSION}"); done
  go get "${pkgs[@]}"                                 # resolves + records every needed module
  ld="-s -w"
  for kv in "gitVersion=${K8S_VERSION}" "gitMajor=1" "gitMinor=${MINOR}" "gitTreeState=clean" \
            "buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"; do
    ld+=" -X k8s.io/component-base/version.${kv} -X k8s.io/client-go/pkg/version.${kv}"
  done
  mkdir -p "$OUT/build/k8s"; cp go.mod go.sum "$OUT/build/k8s/"   # keep the resolved module set
  for c in "${todo[@]}"; do
    local t=$SECONDS
    # build to a temporary name and rename, so a reader never sees a half-written binary
    go build -mod=mod -trimpath -pgo=off -ldflags "$ld" -o "$OUT/.$c.tmp" "k8s.io/kubernetes/cmd/$c"
    mv -f "$OUT/.$c.tmp" "$OUT/$c"; echo "$K8S_VERSION" > "$OUT/.stamp-$c"
    echo "built $c in $((SECONDS - t))s"
  done
}

build_etcd() {
  [[ -n "$ETCD_VERSION" ]] || { echo "ETCD_VERSION empty: not building etcd"; return 0; }
  if is_current etcd "$ETCD_VERSION"; then echo "cached: etcd ${ETCD_VERSION}"; return 0; fi
  local d="$WORK/etcd"
  mkdir -p "$d"; cd "$d"
  printf 'module local.test/etcd-build\n\ngo 1.24.0\n' > go.mod
  cat > main.go <<'EOF'
// The etcd server entry point (same as etcd's own server/main.go), built as our own main
// module so the replace directives in go.etcd.io/etcd/server/v3's go.mod are ignored.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  go get "go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
  go mod tidy
  mkdir -p "$OUT/build/etcd"; cp go.mod go.sum main.go "$OUT/build/etcd/"
  go build -mod=mod -trimpath -ldflags "-s -w" -o "$OUT/.etcd.tmp" .
  mv -f "$OUT/.etcd.tmp" "$OUT/etcd"; echo "$ETCD_VERSION" > "$OUT/.stamp-etcd"
}

all_current() {
  local c
  for c in $COMPONENTS; do is_current "$c" "$K8S_VERSION" || return 1; done
  [[ -z "$ETCD_VERSION" ]] || is_current etcd "$ETCD_VERSION"
}

main() {
  if all_current; then echo "cached: $OUT (k8s ${K8S_VERSION}: ${COMPONENTS}; etcd ${ETCD_VERSION:-none})"; return 0; fi
  command -v go >/dev/null || { echo "go not found: building the test control plane needs a Go toolchain (>= 1.24) and a Go module proxy" >&2; exit 1; }
  mkdir -p "$OUT"
  # One build per output directory at a time (CI script and a test run may both ask for it).
  exec 9>"$OUT/.lock"; flock 9
  if all_current; then echo "cached: $OUT (built by a concurrent run)"; return 0; fi
  go version; go env GOPROXY GOSUMDB GOMODCACHE GOCACHE
  WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
  local t0=$SECONDS
  build_etcd;  echo "etcd done after $((SECONDS - t0))s"
  build_k8s;   echo "k8s components done after $((SECONDS - t0))s"
  for c in $COMPONENTS; do
    if [[ "$c" == kubectl ]]; then "$OUT/$c" version --client; else "$OUT/$c" --version; fi
  done
  [[ -z "$ETCD_VERSION" ]] || "$OUT/etcd" --version | head -1
  ls -la "$OUT"
}

# allow `source`-ing for tests of gen_wrapper_gomod
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
