
# ---- vPLC Orchestrator: the headless agent as a system service (appended to electron-builder's after-install) ----
# vPLCs must come back after a power cut with nobody logged in, so the agent runs as a systemd system service under
# its own system user; the desktop app attaches to it. Written for electron-builder's template expansion: shell
# variables are used without braces.
if ! getent group vplc-orchestrator >/dev/null 2>&1; then
  groupadd --system vplc-orchestrator || true
fi
if ! getent passwd vplc-orchestrator >/dev/null 2>&1; then
  useradd --system --gid vplc-orchestrator --home-dir /var/lib/vplc-orchestrator --no-create-home \
    --shell /usr/sbin/nologin --comment "vPLC Orchestrator agent" vplc-orchestrator || true
fi
# The agent drives the Docker engine: it joins the docker group when the engine is installed.
if getent group docker >/dev/null 2>&1; then
  usermod -aG docker vplc-orchestrator || true
fi
install -d -m 0755 /etc/vplc-orchestrator
# The service keeps its settings where it can write them (its state directory); a settings file of an earlier
# version in /etc is carried over once, never overwriting one the service already has.
install -d -m 0750 -o vplc-orchestrator -g vplc-orchestrator /var/lib/vplc-orchestrator || true
if [ -f /etc/vplc-orchestrator/settings.json ] && [ ! -e /var/lib/vplc-orchestrator/settings.json ]; then
  install -m 0640 -o vplc-orchestrator -g vplc-orchestrator /etc/vplc-orchestrator/settings.json /var/lib/vplc-orchestrator/settings.json || true
  echo "vPLC Orchestrator: settings moved to /var/lib/vplc-orchestrator/settings.json (the copy in /etc is no longer read)"
fi

if [ -d /run/systemd/system ] && hash systemctl 2>/dev/null; then
  systemctl daemon-reload || true
  systemctl enable vplc-orchestrator.service || true
  # A restart on upgrade replaces the agent only; the vPLCs keep running.
  systemctl restart vplc-orchestrator.service || true
else
  echo "vPLC Orchestrator: systemd is not running here; start the agent by hand: vplc-orchestrator agent"
fi

if ! getent group docker >/dev/null 2>&1; then
  echo "vPLC Orchestrator: no Docker engine found. Install one (sudo apt install docker.io, or Docker's docker-ce),"
  echo "then reinstall this package or run: sudo usermod -aG docker vplc-orchestrator && sudo systemctl restart vplc-orchestrator"
fi
echo "vPLC Orchestrator: to use the desktop app, add yourself to the agent's group and log out and in again:"
echo "  sudo usermod -aG vplc-orchestrator \$USER"
