#!/usr/bin/env bash
# Install the Debian packages stageterm needs, if missing: as root with apt-get, else
# print the exact command and fail. Arguments: the needs, by name (zbar, postgres, tmux,
# sshd, sqlite3, systemd, chromium, render, venv).
set -euo pipefail
missing=()
for need in "$@"; do
  case "$need" in
    venv)     python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv) ;;
    zbar)     ldconfig -p 2>/dev/null | grep -q 'libzbar.so.0' || missing+=(libzbar0) ;;
    postgres) ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing+=(postgresql) ;;
    tmux)     command -v tmux >/dev/null || missing+=(tmux) ;;
    sshd)     [ -x /usr/sbin/sshd ] || command -v sshd >/dev/null || missing+=(openssh-server)
              command -v ssh >/dev/null || missing+=(openssh-client) ;;
    sqlite3)  command -v sqlite3 >/dev/null || missing+=(sqlite3) ;;
    systemd)  command -v systemd-analyze >/dev/null || missing+=(systemd) ;;
    chromium) command -v chromium >/dev/null || missing+=(chromium) ;;  # the browser board test
    render)   command -v rsvg-convert >/dev/null || missing+=(librsvg2-bin)
              fc-list 2>/dev/null | grep -qi 'fira' || missing+=(fonts-firacode) ;;
    *) echo "system-deps.sh: unknown need $need" >&2; exit 2 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "stageterm needs system packages that are missing. Run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
