#!/usr/bin/env bash
# Runs every check and test of Switchboard: formatting, lints, unit tests, and the scenarios against real
# peers over loopback. Installs what it needs from Debian when missing (run as root on a fresh machine).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need: the peer servers the scenarios talk to, and the scripted XMPP client.
debian_packages=(prosody python3-slixmpp ngircd python3-aiosmtpd swaks openssl)
missing=()
for package in "${debian_packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings
echo "== cargo test"
cargo test --workspace --all-features
