#!/usr/bin/env bash
# Switchboard's demo: starts a local Prosody and ngircd on free loopback ports, runs `switchboard run` with
# integration-tests/demo/switchboard.toml (an IRC channel bridged into a Jabber room), has a scripted IRC user
# and a scripted XMPP user each say something, and shows both messages crossing. Then it keeps running so you
# can connect your own clients, until Ctrl-C.
#
#   ./integration-tests/demo.sh          interactive
#   ./integration-tests/demo.sh --once   exit 0 after the crossing (non-zero if it did not cross)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
once=false
[ "${1:-}" = "--once" ] && once=true

packages=(prosody ngircd python3-slixmpp)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]} (Debian)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== building switchboard"
cargo build -q --bin switchboard
switchboard="${CARGO_TARGET_DIR:-$root/target}/debug/switchboard"

work=$(mktemp -d /tmp/switchboard-demo.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "== stopping"; exit 0' INT TERM

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
    for _ in $(seq 1 200); do
        (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1; see $work" >&2
    return 1
}
c2s_port=$(free_port)
component_port=$(free_port)
irc_port=$(free_port)

echo "== starting Prosody (XMPP, 127.0.0.1:$c2s_port) and ngircd (IRC, 127.0.0.1:$irc_port)"
mkdir -p "$work/prosody/data" "$work/prosody/certs"
cat >"$work/prosody/prosody.cfg.lua" <<LUA
run_as_root = true
pidfile = "$work/prosody/prosody.pid"
data_path = "$work/prosody/data"
certificates = "$work/prosody/certs"
interfaces = { "127.0.0.1" }
c2s_ports = { $c2s_port }
component_ports = { $component_port }
component_interface = "127.0.0.1"
http_ports = { }
https_ports = { }
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "posix"; "presence" }
modules_disabled = { "s2s"; "tls" }
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
log = { info = "$work/prosody/prosody.log" }
VirtualHost "localhost"
Component "conference.localhost" "muc"
    muc_room_locking = false
Component "gw.localhost"
    component_secret = "demo-secret"
LUA
for user in alice bob; do
    prosodyctl --config "$work/prosody/prosody.cfg.lua" register "$user" localhost "$user-pass" >/dev/null
done
prosody --config "$work/prosody/prosody.cfg.lua" -F >"$work/prosody/stdout.log" 2>&1 &
pids+=($!)
mkdir -p "$work/ngircd"
echo "Switchboard demo server" >"$work/ngircd/motd"
cat >"$work/ngircd/ngircd.conf" <<CONF
[Global]
    Name = irc.localhost
    Info = Switchboard demo
    Listen = 127.0.0.1
    Ports = $irc_port
    MotdFile = $work/ngircd/motd
[Limits]
    MaxConnectionsIP = 0
    MaxNickLength = 30
    MaxPenaltyTime = 0
[Options]
    DNS = no
    Ident = no
    PAM = no
CONF
ngircd -n -f "$work/ngircd/ngircd.conf" >"$work/ngircd/ngircd.log" 2>&1 &
pids+=($!)
wait_port "$c2s_port"
wait_port "$component_port"
wait_port "$irc_port"

echo "== starting switchboard with integration-tests/demo/switchboard.toml"
sed -e "s|@DATA@|$work/data|" -e "s|@COMPONENT_PORT@|$component_port|" -e "s|@IRC_PORT@|$irc_port|" \
    integration-tests/demo/switchboard.toml >"$work/switchboard.toml"
"$switchboard" run --config "$work/switchboard.toml" >"$work/switchboard.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do
    grep -q "XMPP component connected" "$work/switchboard.log" 2>/dev/null && break
    sleep 0.1
done
if ! grep -q "XMPP component connected" "$work/switchboard.log"; then
    echo "switchboard did not connect:" >&2
    cat "$work/switchboard.log" >&2
    exit 1
fi

echo "== a scripted IRC user (ircfan) and a scripted XMPP user (alice) each say something"
if ! /usr/bin/python3 integration-tests/demo/crossing.py "$c2s_port" "$irc_port"; then
    echo "== the crossing failed; the gateway's log:" >&2
    tail -n 40 "$work/switchboard.log" >&2
    exit 1
fi
echo "== both messages crossed"

if $once; then
    exit 0
fi
cat <<TEXT

Switchboard keeps running. Connect your own clients (plain text, loopback only):
  XMPP:  127.0.0.1:$c2s_port as bob@localhost, password bob-pass (no TLS),
         then join lobby@conference.localhost (bridged to IRC #lobby),
         or #lobby%demo@gw.localhost (the IRC channel itself, Biboumi-style, with your own IRC nick).
  IRC:   127.0.0.1:$irc_port, /join #lobby
The gateway's log: $work/switchboard.log
Press Ctrl-C to stop everything.
TEXT
while true; do
    sleep 1
done
