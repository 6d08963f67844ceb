#!/usr/bin/env bash
# Installs what the real-PostgreSQL tests need (Debian's postgresql server binaries and openssl) when missing.
# Idempotent and quiet: prints one line when it installs, nothing when all is present. Called from .ci/run.
set -euo pipefail

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && id -u postgres >/dev/null 2>&1; }

if have_postgres && command -v openssl >/dev/null; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "ensure-postgres: need root (or sudo) to apt-get install postgresql openssl" >&2; exit 1; }
  SUDO="sudo"
fi

echo "ensure-postgres: installing Debian's postgresql and openssl"
# The tests start their own throw-away servers: do not let the package create and start a 'main' cluster on 5432.
$SUDO mkdir -p /etc/postgresql-common
[ -e /etc/postgresql-common/createcluster.conf ] ||
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq -o Dpkg::Options::=--force-confold postgresql openssl >/dev/null

have_postgres || { echo "ensure-postgres: postgresql installed but no /usr/lib/postgresql/*/bin/initdb" >&2; exit 1; }
