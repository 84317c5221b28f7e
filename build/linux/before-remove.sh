#!/bin/sh
# Before the files go: on removal (not on upgrade) stop and disable the agent's service. Stopping the agent never
# stops a vPLC: the containers keep running until someone removes them (README: Uninstall).
set -e
case "$1" in
  remove|deconfigure)
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
      systemctl stop vplc-orchestrator.service || true
      systemctl disable vplc-orchestrator.service || true
    fi
    ;;
esac
exit 0
