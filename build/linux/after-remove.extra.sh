
# ---- vPLC Orchestrator (appended to electron-builder's after-remove) ----
# Only what the package installed goes: the unit file is gone with the package, systemd forgets it here. The data
# directory /var/lib/vplc-orchestrator (state, mTLS key and certificate), the system user and every vPLC container
# stay; purge also removes /etc/vplc-orchestrator.
if [ -d /run/systemd/system ] && hash systemctl 2>/dev/null; then
  systemctl daemon-reload || true
fi
if [ "$1" = "purge" ]; then
  rm -rf /etc/vplc-orchestrator
fi
