#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (the real SIP peers and audio tools
# of docs/REAL-PEERS.md in ../shared). Idempotent: when every package is already
# installed it changes nothing and does not touch the network.
#
# Usage: scripts/install-test-deps.sh        (as root, or with sudo available)
set -euo pipefail

PACKAGES=(
  sip-tester      # sipp: scripted SIP/RTP calls, load
  baresip         # a real softphone
  sipvicious      # svmap/svwar: hostile scanner
  tshark          # capture and RTP stream statistics
  sox             # audio conversion and measurement
  libsox-fmt-all  #   ... with every format (raw u-law/A-law, WAV)
  espeak-ng       # synthetic speech for test messages
  kamailio        # a real SIP proxy in front of us
  ffmpeg          # audio uploads (MP3, OGG, WebM/Opus) → 8 kHz WAV; also a runtime need
  chromium        # the web app's end-to-end tests (driven by playwright-core)
  g++             # native/udp-io (RTP sockets) and better-sqlite3 are built by npm ci (node-gyp)
  make
  python3
)

# Commands the tests run, to check the install actually delivered them.
COMMANDS=(sipp baresip svmap svwar tshark sox espeak-ng kamailio ffmpeg chromium g++ make python3)

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-test-deps: all ${#PACKAGES[@]} packages already installed"
else
  echo "install-test-deps: installing ${missing[*]}"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-test-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update
  # Noninteractive: tshark's debconf question ("may non-root users capture?") takes its default.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

PATH="$PATH:/usr/sbin:/sbin"
absent=()
for c in "${COMMANDS[@]}"; do
  command -v "$c" >/dev/null || absent+=("$c")
done
if [ "${#absent[@]}" -ne 0 ]; then
  echo "install-test-deps: commands still missing after install: ${absent[*]}" >&2
  exit 1
fi
