# Shared by scripts/test-all and scripts/install-and-run: Debian packages, Node check, dockerd, node_modules.
# Source it after setting PACKAGES=(...) and SELF (the calling script, for messages).
# shellcheck shell=bash

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/vplc-dockerd.log}
DOCKERD_PIDFILE=${DOCKERD_PIDFILE:-/run/vplc-dockerd.pid}

phase() { printf '\n==> %s\n' "$*"; }
die() { printf '%s: %s\n' "$(basename "$SELF")" "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

installed() {
  local pkg=$1
  # An engine installed another way (docker-ce) is as good as docker.io.
  if [ "$pkg" = docker.io ] && command -v docker >/dev/null && command -v dockerd >/dev/null; then
    return 0
  fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'
}

apt_lists_present() {
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}

prepare_machine() {
  phase "Debian packages: ${PACKAGES[*]}"
  missing=()
  for pkg in "${PACKAGES[@]}"; do installed "$pkg" || missing+=("$pkg"); done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "all present"
  else
    echo "missing: ${missing[*]}"
    is_root || die "installing packages needs root; run: sudo $SELF"
    export DEBIAN_FRONTEND=noninteractive
    apt_install() { apt-get install -y --no-install-recommends "${missing[@]}"; }
    if ! apt_lists_present; then
      apt-get update
      apt_install
    elif ! apt_install; then
      echo "install failed with the current package lists; refreshing them and retrying"
      apt-get update
      apt_install
    fi
  fi

  phase "Node.js"
  command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are required (Node.js >= 20.19); install them first"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    || die "Node.js >= 20.19 is required, found $(node -v)"
  echo "node $(node -v), npm $(npm -v 2>/dev/null)"

  phase "Docker engine"
  docker_up() { docker info >/dev/null 2>&1; }
  if docker_up; then
    echo "dockerd answers"
  else
    is_root || die "dockerd is not answering and starting it needs root; run: sudo $SELF"
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
      echo "starting docker.service"
      systemctl start docker || echo "systemctl start docker failed; starting dockerd directly"
    fi
    if ! docker_up; then
      if [ -f "$DOCKERD_PIDFILE" ] && kill -0 "$(cat "$DOCKERD_PIDFILE")" 2>/dev/null; then
        echo "dockerd (pid $(cat "$DOCKERD_PIDFILE")) already started by an earlier run; waiting for it"
      elif pgrep -x dockerd >/dev/null; then
        echo "a dockerd is already running; waiting for it"
      else
        echo "starting dockerd in the background (log $DOCKERD_LOG, pidfile $DOCKERD_PIDFILE)"
        setsid nohup dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
        echo $! >"$DOCKERD_PIDFILE"
      fi
    fi
    for _ in $(seq 1 60); do
      docker_up && break
      sleep 1
    done
    if ! docker_up; then
      [ -f "$DOCKERD_LOG" ] && tail -n 30 "$DOCKERD_LOG" >&2
      die "dockerd did not answer within 60 s"
    fi
    echo "dockerd answers"
  fi

  phase "node_modules"
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci
  else
    echo "up to date with package-lock.json"
  fi
}
