#!/usr/bin/env bash
# Yields a working Pulumi CLI and Node.js language host for the real-engine suite and prints the folder that
# holds both. Uses `pulumi` and `pulumi-language-nodejs` from PATH when both are there; otherwise builds them
# from the Go module proxy (this folder's go.mod/go.sum pin pulumi/pkg/v3) into a cache folder outside the
# repository, keyed by version and by the hash of what is built, and reuses it when present.
set -euo pipefail

VERSION=3.248.0
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { printf '[engine] %s\n' "$*" >&2; }

if [[ "${WEBAPP_ENGINE_FROM_PATH:-1}" == "1" ]] && command -v pulumi >/dev/null && command -v pulumi-language-nodejs >/dev/null; then
  dir="$(dirname "$(command -v pulumi)")"
  say "using pulumi $(pulumi version) and pulumi-language-nodejs from PATH ($dir)"
  printf '%s\n' "$dir"
  exit 0
fi

# Go's own install location on this machine kind, when a login shell did not put it on PATH.
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="$PATH:/usr/local/go/bin"
fi
if ! command -v go >/dev/null; then
  say "error: no 'pulumi' on PATH and no Go toolchain to build it; install Go 1.26 (or the Pulumi CLI) and rerun"
  exit 2
fi

key="$(cat "$here/go.mod" "$here/go.sum" "$here/langhost/main.go" "$here/ensure-cli.sh" | sha256sum | cut -c1-12)"
cache="${WEBAPP_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/webapp-platform-engine}"
bin="$cache/v$VERSION-$key/bin"

if [[ -x "$bin/pulumi" && -x "$bin/pulumi-language-nodejs" ]]; then
  say "using cached pulumi v$VERSION ($bin)"
  printf '%s\n' "$bin"
  exit 0
fi

mkdir -p "$bin.tmp"
start=$SECONDS
ticker() { while sleep 30; do say "  still building ($((SECONDS - start)) s)..."; done; }
ticker &
ticker_pid=$!
trap 'kill $ticker_pid 2>/dev/null || true' EXIT

cd "$here"
say "downloading Go modules for pulumi v$VERSION (first time: ~1.5 GB into $(go env GOMODCACHE))"
go mod download
flags=(-trimpath -buildvcs=false -tags osusergo,grpcnotrace
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION")
say "building pulumi v$VERSION (first time: about 10 minutes on 2 cores; later runs reuse the cache)"
go build "${flags[@]}" -o "$bin.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
say "building pulumi-language-nodejs (tools/engine/langhost)"
go build "${flags[@]}" -o "$bin.tmp/pulumi-language-nodejs" ./langhost
rm -rf "$bin"
mv "$bin.tmp" "$bin"
say "built in $((SECONDS - start)) s: $("$bin/pulumi" version) at $bin"
printf '%s\n' "$bin"
