/**
 * The DHCP helper's shell code (docs/protocol.md §5.13). The helper image is a plain busybox with a read-only rootfs, so the
 * entry script writes the lease script into a tmpfs on /tmp (mounted `exec`) and runs udhcpc with it.
 */

/** Prefix of every line the orchestrator parses; anything else on stdout/stderr is udhcpc's own logging. */
export const LEASE_LINE_PREFIX = 'VPLC-DHCP ';

export const HELPER_TMPFS = { '/tmp': 'rw,exec,nosuid,nodev,size=512k,mode=0700' };

/**
 * Run by udhcpc on each event (`$1`); udhcpc passes the lease in the environment. With `apply` it configures the
 * interface (a vPLC's vNIC); without, it only prints the lease line: the host-side client of a WiFi vNIC runs on the
 * host's WiFi interface, which it must never touch (docs/host-nics.md "WiFi DHCP").
 */
function leaseScript(apply: boolean): string {
  const on = (code: string): string => (apply ? code : '');
  return String.raw`#!/bin/sh
ev="$1"
# Lease variables may be unset; the script runs without set -u.
j() { printf '%s' "$1" | sed -e 's/[\\"]/\\&/g' -e 's/[[:cntrl:]]//g'; }
prefix_of() {
  case "$1" in
    *.*) echo "$1" | awk -F. '{n=0; for(i=1;i<=4;i++){x=$i+0; while(x>0){n+=x%2; x=int(x/2)}} print n}' ;;
    '') echo 24 ;;
    *) echo "$1" ;;
  esac
}
if=$interface
case "$ev" in
  deconfig)
${on(String.raw`    ip -4 addr flush dev "$if"
`)}    printf '@P@{"event":"deconfig","interface":"%s"}\n' "$(j "$if")"
    ;;
  bound|renew)
    p=$(prefix_of "$subnet")
    [ -z "$subnet" ] && p=$(prefix_of "$mask")
    case "$p" in ''|*[!0-9]*) p=24 ;; esac
${on(String.raw`    if ! ip -o -4 addr show dev "$if" | grep -q " inet $ip/$p "; then ip -4 addr flush dev "$if"; fi
    if [ -n "$broadcast" ]; then ip addr replace "$ip/$p" broadcast "$broadcast" dev "$if"; else ip addr replace "$ip/$p" dev "$if"; fi
    [ -n "$mtu" ] && ip link set dev "$if" mtu "$mtu"
    for r in $router; do ip route replace default via "$r" dev "$if" metric 100; break; done
    set -- $staticroutes $msstaticroutes
    while [ $# -ge 2 ]; do ip route replace "$1" via "$2" dev "$if" metric 100; shift 2; done
`)}    printf '@P@{"event":"%s","interface":"%s","ip":"%s","subnet":"%s","mask":"%s","prefix":%s,"broadcast":"%s","router":"%s","dns":"%s","domain":"%s","mtu":"%s","hostname":"%s","ntpsrv":"%s","lease":"%s","serverid":"%s"}\n' \
      "$ev" "$(j "$if")" "$(j "$ip")" "$(j "$subnet")" "$(j "$mask")" "$p" "$(j "$broadcast")" "$(j "$router")" \
      "$(j "$dns")" "$(j "$domain")" "$(j "$mtu")" "$(j "$hostname")" "$(j "$ntpsrv")" "$(j "$lease")" "$(j "$serverid")"
    ;;
  leasefail|nak)
    printf '@P@{"event":"%s","interface":"%s","message":"%s"}\n' "$ev" "$(j "$if")" "$(j "$message")"
    ;;
esac
exit 0
`.replaceAll('@P@', LEASE_LINE_PREFIX);
}

/** The lease script of a vNIC's own client: applies the lease to the interface and prints it. */
export const LEASE_SCRIPT = leaseScript(true);
/** The lease script of a host-side client (WiFi vNICs): prints the lease and touches nothing. */
export const PRINT_ONLY_LEASE_SCRIPT = leaseScript(false);

/**
 * The helper's command (`sh -c`): find the interface by MAC (10 × 0.3 s), flush the address Docker's IPAM put there,
 * then run udhcpc in the foreground. `VPLC_MACS` lists the MACs to look for, most likely first.
 */
export const ENTRY_SCRIPT = String.raw`set -u
umask 077
printf '%s' "$VPLC_LEASE_SCRIPT" > /tmp/lease.sh
chmod 700 /tmp/lease.sh
ifc=''
i=0
while [ $i -lt 10 ]; do
  for mac in $VPLC_MACS; do
    ifc=$(ip -o link | grep -i "link/ether $mac " | sed -e 's/^[0-9]*: *//' -e 's/[@:].*//' | head -n 1)
    [ -n "$ifc" ] && break
  done
  [ -n "$ifc" ] && break
  i=$((i + 1))
  sleep 0.3
done
if [ -z "$ifc" ]; then
  printf '@P@{"event":"nomac","message":"Interface with MAC %s not found in container after 10 retries"}\n' "$VPLC_MACS"
  exit 3
fi
ip -4 addr flush dev "$ifc"
printf '@P@{"event":"flushed","interface":"%s"}\n' "$ifc"
exec udhcpc -f -i "$ifc" -s /tmp/lease.sh -t 5 -T 3 -O staticroutes -O msstaticroutes
`.replaceAll('@P@', LEASE_LINE_PREFIX);
