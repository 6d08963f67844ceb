#!/usr/bin/env bash
# Prints the shell exports that make the real `pulumi` work offline against this checkout: the CLI and language
# host (built or reused by ensure-cli.sh), the stand-in providers, no update check, no plugin downloads, and a
# PULUMI_HOME of its own. The caller chooses the backend and the passphrase:
#   eval "$(npm run -s engine:env)"; pulumi login file://$DIR; export PULUMI_CONFIG_PASSPHRASE=...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="$("$here/ensure-cli.sh")"
home="${WEBAPP_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/webapp-platform-engine}/pulumi-home"
mkdir -p "$home"
q() { printf '%q' "$1"; }
echo "export PATH=$(q "$bin"):$(q "$repo/test/engine/bin"):\"\$PATH\""
echo "export PULUMI_SKIP_UPDATE_CHECK=true"
echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
echo "export PULUMI_HOME=$(q "$home")"
