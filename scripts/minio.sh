#!/usr/bin/env bash
# Builds the MinIO server that the store tests run (store/miniotest) into
# .cache/bin/minio, unless that binary is already there at the pinned
# version, and prints its path on stdout (build output goes to stderr).
#
#   scripts/minio.sh            build if needed, print the path
#   RECON_MINIO_BIN=/x/minio    use that binary instead (checked, not built)
#
# The build takes about 3 minutes and needs only the Go module proxy. The
# binary is a test tool: it is neither linked into recon nor shipped.
set -euo pipefail

MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [[ -n ${RECON_MINIO_BIN:-} ]]; then
	if [[ ! -x $RECON_MINIO_BIN ]]; then
		echo "minio.sh: RECON_MINIO_BIN=$RECON_MINIO_BIN is not an executable file" >&2
		exit 1
	fi
	echo "$RECON_MINIO_BIN"
	exit 0
fi

bindir=$root/.cache/bin
bin=$bindir/minio

# The version the binary was built from, as its build info records it.
built_version() {
	go version -m "$1" 2>/dev/null | awk -v m="$MINIO_MODULE" '$1 == "mod" && $2 == m { print $3 }'
}

if [[ -x $bin && $(built_version "$bin") == "$MINIO_VERSION" ]]; then
	echo "$bin"
	exit 0
fi

echo "minio.sh: building $MINIO_MODULE@$MINIO_VERSION into $bindir (about 3 minutes)" >&2
mkdir -p "$bindir"
# Build into a temporary directory and move the result into place, so that
# an interrupted or concurrent build never leaves a partial binary.
tmp=$(mktemp -d "$bindir/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# `go install pkg@version` ignores the current module; GOFLAGS such as
# -mod=vendor would make it fail, so clear them.
(cd "$tmp" && GOFLAGS= GOBIN="$tmp" go install "$MINIO_MODULE@$MINIO_VERSION") >&2
mv -f "$tmp/minio" "$bin"
if [[ $(built_version "$bin") != "$MINIO_VERSION" ]]; then
	echo "minio.sh: $bin does not report version $MINIO_VERSION" >&2
	exit 1
fi
echo "$bin"
