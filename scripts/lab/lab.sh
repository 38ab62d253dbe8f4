# shellcheck shell=bash
# The firewall lab: three network namespaces, nothing else on the host touched.
#
#   site (EdgeMonitor)  --veth-->  fw (routing, NAT, the policy under test)  --veth-->  inet (every seed host)
#   10.99.1.2 fd99:1::2            10.99.1.1 | 10.99.254.1                              10.99.254.2, services on lo
#   other (another segment) --veth-->  fw (10.99.7.1 fd99:7::1)
#   10.99.7.2 fd99:7::2
#
# inet answers every built-in name: dnsmasq (the site's DNS, via /etc/netns/<site>/resolv.conf),
# nginx (TLS 443 under a lab CA, HTTP 80), chronyd (NTP 123, local stratum, -x), a banner on
# 18991, mosquitto (the NOC's broker), the echo-server when the binary has one. Each name gets
# its own lab address (10.99.2.x / fd99:2::x) so a policy can single one out; seed IP literals
# are mapped to 10.99.4.x with the config's addressMap. Real vendor addresses are never routed:
# the namespaces have no link to the host, and only the lab addresses exist inside them.
#
# Source this file, then: lab_up; lab_apply POLICY; lab_check (or lab_daemon_start and
# lab_daemon_status); lab_down (trap it).

LAB_DIR=${LAB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
LAB_ID=${LAB_ID:-$$}
NS_SITE=emls$LAB_ID
NS_FW=emlf$LAB_ID
NS_INET=emli$LAB_ID
NS_OTHER=emlo$LAB_ID
RUN=${LAB_RUN:-/tmp/edgemonitor-lab-$LAB_ID}

# Fixed lab addresses (they exist only inside the namespaces).
DNS4=10.99.2.53 DNS6=fd99:2::53
NOC4=10.99.5.1          # mosquitto
ECHO4=10.99.5.7 ECHO_PORT=7007
CORP4=10.99.3.10 CORP_PORT=445
PROXY4=10.99.6.1 PROXY6=fd99:6::1   # TLS-inspecting proxy (rogue CA)

# The edgemonitor command (may be "dotnet /path/edgemonitor.dll").
EDGEMONITOR=${EDGEMONITOR:-}

lab_log() { printf 'lab: %s\n' "$*" >&2; }

lab_em() { # run edgemonitor on the host (no network use: profiles, allowlist)
  # shellcheck disable=SC2086
  $EDGEMONITOR "$@"
}

lab_site() { ip netns exec "$NS_SITE" "$@"; }
lab_fw() { ip netns exec "$NS_FW" "$@"; }
lab_inet() { ip netns exec "$NS_INET" "$@"; }
lab_other() { ip netns exec "$NS_OTHER" "$@"; }

lab_find_edgemonitor() {
  [ -n "$EDGEMONITOR" ] && return 0
  local root; root=$(cd "$LAB_DIR/../.." && pwd)
  if [ -x "$root/src/EdgeMonitor/bin/Debug/net10.0/edgemonitor" ]; then
    EDGEMONITOR="$root/src/EdgeMonitor/bin/Debug/net10.0/edgemonitor"
  else
    lab_log "build first (dotnet build src/EdgeMonitor -f net10.0) or set EDGEMONITOR"; return 1
  fi
}

# Kinds the binary's probe table has: config validation lists them for an unknown kind.
lab_kinds() {
  local f="$RUN/kinds-probe.json"
  printf '{"targets":[{"id":"x","kind":"no-such-kind","host":"127.0.0.1","port":9}]}' >"$f"
  lab_em check --config "$f" 2>&1 | sed -n "s/.*(known: \([^)]*\)).*/\1/p" | tr -d ' ' | tr ',' '\n'
}

lab_has_verb() { lab_em --help 2>/dev/null | grep -qE "^  $1 "; }

# --- names and addresses --------------------------------------------------------------------

# Every name and IP literal of the built-in profiles, with its lab address.
lab_hosts() {
  lab_em profiles --json | jq -r '[.profiles[].targets[].host] | unique | .[]' >"$RUN/hosts.all"
  : >"$RUN/names"; : >"$RUN/literals"
  local i=10 j=1 h
  while read -r h; do
    if [[ $h =~ ^[0-9.]+$ ]]; then
      echo "$h 10.99.4.$j" >>"$RUN/literals"; j=$((j + 1))
    else
      printf '%s 10.99.2.%d fd99:2::%x\n' "$h" "$i" "$i" >>"$RUN/names"; i=$((i + 1))
    fi
  done <"$RUN/hosts.all"
}

# --- certificates (openssl CLI) -------------------------------------------------------------

lab_certs() {
  local d="$RUN/pki" san
  mkdir -p "$d"
  san=$(awk '{printf "%sDNS:%s", (NR>1?",":""), $1}' "$RUN/names")
  for ca in lab rogue; do
    openssl req -x509 -newkey rsa:2048 -nodes -days 3 -subj "/O=EdgeMonitor lab/CN=$ca CA" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -keyout "$d/$ca-ca.key" -out "$d/$ca-ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$(head -1 "$RUN/names" | cut -d' ' -f1)" \
      -keyout "$d/$ca-leaf.key" -out "$d/$ca-leaf.csr" 2>/dev/null
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san" >"$d/$ca-ext.cnf"
    openssl x509 -req -in "$d/$ca-leaf.csr" -CA "$d/$ca-ca.pem" -CAkey "$d/$ca-ca.key" -CAcreateserial \
      -days 2 -extfile "$d/$ca-ext.cnf" -out "$d/$ca-leaf.crt" 2>/dev/null
    cat "$d/$ca-leaf.crt" "$d/$ca-ca.pem" >"$d/$ca-chain.pem"
  done
  chmod -R a+rX "$d"
}

# --- namespaces -----------------------------------------------------------------------------

lab_net() {
  for ns in "$NS_SITE" "$NS_FW" "$NS_INET" "$NS_OTHER"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  ip -n "$NS_SITE" link add s0 type veth peer name fs netns "$NS_FW"
  ip -n "$NS_FW" link add fi type veth peer name i0 netns "$NS_INET"
  ip -n "$NS_OTHER" link add o0 type veth peer name fo netns "$NS_FW"
  ip -n "$NS_OTHER" addr add 10.99.7.2/24 dev o0
  ip -n "$NS_OTHER" addr add fd99:7::2/64 dev o0 nodad
  ip -n "$NS_FW" addr add 10.99.7.1/24 dev fo
  ip -n "$NS_FW" addr add fd99:7::1/64 dev fo nodad
  ip -n "$NS_SITE" addr add 10.99.1.2/24 dev s0
  ip -n "$NS_SITE" addr add fd99:1::2/64 dev s0 nodad
  ip -n "$NS_FW" addr add 10.99.1.1/24 dev fs
  ip -n "$NS_FW" addr add fd99:1::1/64 dev fs nodad
  ip -n "$NS_FW" addr add 10.99.254.1/24 dev fi
  ip -n "$NS_FW" addr add fd99:fe::1/64 dev fi nodad
  ip -n "$NS_INET" addr add 10.99.254.2/24 dev i0
  ip -n "$NS_INET" addr add fd99:fe::2/64 dev i0 nodad
  for l in "$NS_SITE s0" "$NS_FW fs" "$NS_FW fi" "$NS_INET i0" "$NS_OTHER o0" "$NS_FW fo"; do
    set -- $l; ip -n "$1" link set "$2" up
  done
  ip -n "$NS_SITE" route add default via 10.99.1.1
  ip -n "$NS_SITE" -6 route add default via fd99:1::1
  ip -n "$NS_OTHER" route add default via 10.99.7.1
  ip -n "$NS_OTHER" -6 route add default via fd99:7::1
  ip -n "$NS_FW" route add default via 10.99.254.2
  ip -n "$NS_FW" -6 route add default via fd99:fe::2
  lab_fw sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  # The inet namespace holds every service address on its loopback (local to the whole
  # namespace; no dummy module needed).
  local h a4 a6 lit
  for a in "$DNS4/32" "$NOC4/32" "$ECHO4/32" "$CORP4/32" "$PROXY4/32"; do ip -n "$NS_INET" addr add "$a" dev lo; done
  for a in "$DNS6/128" "$PROXY6/128"; do ip -n "$NS_INET" addr add "$a" dev lo nodad; done
  while read -r h a4 a6; do
    ip -n "$NS_INET" addr add "$a4/32" dev lo
    ip -n "$NS_INET" addr add "$a6/128" dev lo nodad
  done <"$RUN/names"
  while read -r lit a4; do ip -n "$NS_INET" addr add "$a4/32" dev lo; done <"$RUN/literals"

  # DNS: `ip netns exec` bind-mounts each file of /etc/netns/<ns>/ over /etc/<file>, so the
  # site (and fw, which resolves names when a policy loads) ask the lab's dnsmasq and see no host entries.
  for ns in "$NS_SITE" "$NS_FW"; do
    mkdir -p "/etc/netns/$ns"
    # 2 s, one try: a dropped DNS costs each lookup 2 s, not glibc's 5 s x 2 (see README: with
    # the system resolver, blocking lookups hold thread-pool threads for that long).
    printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$DNS4" >"/etc/netns/$ns/resolv.conf"
    printf '127.0.0.1 localhost\n::1 localhost\n' >"/etc/netns/$ns/hosts"
    printf 'hosts: files dns\n' >"/etc/netns/$ns/nsswitch.conf"
  done

  # NAT between site and inet lives in its own table; policies replace only their own.
  lab_fw nft -f - <<EOF
table inet labnat {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "fi" masquerade
  }
}
EOF
}

# --- services in inet -----------------------------------------------------------------------

lab_bg() { # name, command...: start in inet, remember the pid
  local name=$1; shift
  ip netns exec "$NS_INET" "$@" >"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

lab_services() {
  local h a4 a6 lit
  { echo "no-resolv"; echo "no-hosts"; echo "bind-interfaces"; echo "listen-address=$DNS4,$DNS6"
    echo "port=53"; echo "user=root"
    while read -r h a4 a6; do echo "address=/$h/$a4"; echo "address=/$h/$a6"; done <"$RUN/names"
  } >"$RUN/dnsmasq.conf"
  lab_bg dnsmasq dnsmasq --keep-in-foreground --conf-file="$RUN/dnsmasq.conf" --pid-file="$RUN/dnsmasq.pidfile"

  local names; names=$(cut -d' ' -f1 "$RUN/names" | tr '\n' ' ')
  mkdir -p "$RUN/nginx"
  cat >"$RUN/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1; user root;
pid $RUN/nginx.pidfile; error_log $RUN/nginx.error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $RUN/nginx; proxy_temp_path $RUN/nginx; fastcgi_temp_path $RUN/nginx;
  uwsgi_temp_path $RUN/nginx; scgi_temp_path $RUN/nginx;
  # Every seed host: TLS under the lab CA (the site trusts it through tls.extraCaFile) and HTTP.
  server {
    listen 443 ssl http2 default_server; listen [::]:443 ssl http2 default_server;
    listen 80 default_server; listen [::]:80 default_server;
    server_name $names;
    ssl_certificate $RUN/pki/lab-chain.pem; ssl_certificate_key $RUN/pki/lab-leaf.key;
    location / { return 200 "edgemonitor lab: \$host\n"; }
  }
  # The corporate LAN's file server (must not be reachable from the device segment).
  server { listen $CORP4:$CORP_PORT; location / { return 200 "corp\n"; } }
  # A TLS-inspecting proxy: every name, a certificate from its own CA the site does not trust.
  server {
    listen $PROXY4:443 ssl http2; listen [$PROXY6]:443 ssl http2;
    ssl_certificate $RUN/pki/rogue-chain.pem; ssl_certificate_key $RUN/pki/rogue-leaf.key;
    location / { return 200 "inspected\n"; }
  }
}
EOF
  lab_bg nginx nginx -c "$RUN/nginx.conf" -e "$RUN/nginx.error.log"

  cat >"$RUN/chrony.conf" <<EOF
local stratum 8
allow all
port 123
cmdport 0
driftfile $RUN/chrony.drift
pidfile $RUN/chronyd.pidfile
EOF
  lab_bg chronyd chronyd -d -x -f "$RUN/chrony.conf"

  # CT Advanced Troubleshooting: an SSH server on 18991. A banner is what a firewall test sees.
  lab_bg banner perl -MIO::Socket::IP -e '
    my $s = IO::Socket::IP->new(LocalHost => "::", LocalPort => 18991, Listen => 16, ReuseAddr => 1, V6Only => 0) or die "$!";
    while (my $c = $s->accept) { print $c "SSH-2.0-OpenSSH_9.2 edgemonitor-lab\r\n"; close $c }'

  cat >"$RUN/mosquitto.conf" <<EOF
listener 1883 $NOC4
allow_anonymous true
persistence false
log_dest stderr
EOF
  lab_bg mosquitto mosquitto -c "$RUN/mosquitto.conf"

  if lab_has_verb echo-server; then
    # shellcheck disable=SC2086
    lab_bg echo $EDGEMONITOR echo-server --listen "$ECHO4:$ECHO_PORT"
  fi
  lab_wait_tcp "$DNS4" 53 && lab_wait_tcp 10.99.2.10 443 && lab_wait_tcp 10.99.2.10 80 \
    && lab_wait_tcp 10.99.2.10 18991 && lab_wait_tcp "$NOC4" 1883 && lab_wait_tcp "$PROXY4" 443
}

lab_wait_tcp() { # host port: poll from inside inet (bash /dev/tcp), 15 s at most
  local i
  for i in $(seq 150); do
    lab_inet timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null && return 0
    sleep 0.1
  done
  lab_log "nothing listens on $1:$2 in $NS_INET"; for f in "$RUN"/*.log; do tail -n 5 "$f" >&2; done; return 1
}

# --- the site's EdgeMonitor config ----------------------------------------------------------

# Does the binary's own DNS client (dns.server) work? It tells a timeout from SERVFAIL, the
# system resolver cannot. Asked once, inside the site namespace, of the lab's dnsmasq.
lab_dns_server_works() {
  local n; n=$(sed -n 1p "$RUN/names" | cut -d' ' -f1)
  jq -n --arg s "$DNS4" --arg h "$n" '{dns: {server: $s}, probe: {ipv6: "off"},
    targets: [{id: "dns", kind: "tcp", host: $h, port: 80}]}' >"$RUN/dns-probe.json"
  # shellcheck disable=SC2086
  lab_site $EDGEMONITOR check --config "$RUN/dns-probe.json" --json 2>/dev/null \
    | jq -e '.results[0].reason == "ok"' >/dev/null 2>&1
}

# Kinds the binary does not have yet are probed as what a firewall sees of them: a TCP connect
# (tls, http, ssh); UDP kinds (ntp) are left out. With every kind present the built-in profiles
# are used as they are. LAB_TCP_ONLY=1 forces the TCP view.
lab_config() {
  local kinds; kinds=$(lab_kinds)
  [ "${LAB_TCP_ONLY:-0}" = 1 ] && kinds=$(printf 'tcp\nblocked')
  echo "$kinds" >"$RUN/kinds"
  local all_known=1 k
  for k in $(lab_em profiles --json | jq -r '[.profiles[].targets[].kind] | unique | .[]'); do
    grep -qx "$k" <<<"$kinds" || all_known=0
  done
  [ "${LAB_TCP_ONLY:-0}" = 1 ] && all_known=0
  echo "$all_known" >"$RUN/full"
  local dns='{}'
  if [ "${LAB_SYSTEM_RESOLVER:-0}" != 1 ] && lab_dns_server_works; then
    dns=$(jq -n --arg s "$DNS4" '{server: $s}'); echo dns-server >"$RUN/resolver"
  else
    echo system-resolver >"$RUN/resolver"
  fi
  local literals; literals=$(jq -R -n '[inputs | split(" ") | {(.[0]): .[1]}] | add // {}' "$RUN/literals")
  local corp; corp=$(jq -n --arg h "$CORP4" --argjson p "$CORP_PORT" '{profile: "dt-ccon", id: "corp-lan", kind: "blocked", host: $h, port: $p,
      requirement: "blocked", group: "zero-trust", note: "DT Zero trust network: the corporate LAN must not be reachable (lab corp address)"}')
  local idle='[]'
  # The idle check needs the daemon (`run` gives it its own lane); `check` cannot wait that long.
  if [ "$LAB_MODE" = daemon ] && grep -qx idle <<<"$kinds" && lab_has_verb echo-server; then
    idle=$(jq -n --arg h "$ECHO4" --argjson p "$ECHO_PORT" '[{profile: "cloudtrax-ap", id: "firewall-timeout", kind: "idle", host: $h, port: $p,
      idleSeconds: 15, group: "firewall-timeout", note: "CT Firewall Timeout: an idle connection must survive (lab: 15 s)"}]')
  fi
  # The daemon's per-kind defaults (ntp 300 s, idle 900 s) would outlast a scenario: every kind
  # every 3 s here. Only kinds the binary knows may be named.
  local intervals; intervals=$(grep -xE 'ntp|idle' <<<"$kinds" | jq -R -n '[inputs | {(.): 3}] | add // {}')
  local targets profiles
  if [ "$all_known" = 1 ]; then
    profiles=$(lab_em profiles --json | jq '[.profiles[].name]')
    targets=$(jq -n --argjson c "$corp" --argjson i "$idle" '[$c] + $i')
  else
    profiles='[]'
    targets=$(lab_em profiles --json | jq --argjson c "$corp" --argjson i "$idle" --arg kinds "$kinds" '
      ($kinds | split("\n")) as $k
      | [.profiles[] | .name as $p | .targets[]
         | (.kind as $kind | $k | index([$kind])) as $known
         | select($known or (.kind | IN("ntp", "dns") | not))
         | {profile: $p, id, kind: (if $known then .kind else "tcp" end), host, port,
            requirement, role, group, note}]
      + [$c] + $i')
  fi
  jq -n --argjson profiles "$profiles" --argjson targets "$targets" --argjson map "$literals" \
    --arg ca "$RUN/pki/lab-ca.pem" --arg noc "$NOC4" --argjson mqtt "$( [ "$LAB_MODE" = daemon ] && echo true || echo false)" --argjson dns "$dns" \
    --arg sys "$RUN/sys" --argjson intervals "$intervals" --argjson leds "$( [ "$LAB_MODE" = daemon ] && echo true || echo false)" '{
      site: "lab", node: "lab-site",
      profiles: $profiles, targets: $targets, addressMap: $map,
      dns: $dns, tls: {extraCaFile: $ca},
      probe: {timeoutMs: 2000, concurrency: 32, ipv6: "optional", lab: true},
      monitor: {intervalSeconds: 3, intervals: $intervals, jitter: 0, failuresToFail: 1, successesToRecover: 1},
      mqtt: {enabled: $mqtt, host: $noc, port: 1883, topicPrefix: "edgemonitor/lab"}
    } + if $leds then {leds: {sysfsRoot: $sys, indicators: [{source: "overall", driver: "ledclass",
          green: "lab:green", amber: "lab:amber", red: "lab:red"}]}} else {} end' >"$RUN/edgemonitor.json"
}

# --- the daemon (when the binary has `run`) -------------------------------------------------

# A LED class tree like /sys/class/leds (the driver writes brightness, trigger, delay_on/off).
lab_led_tree() {
  local c
  for c in green amber red; do
    mkdir -p "$RUN/sys/class/leds/lab:$c"
    echo 0 >"$RUN/sys/class/leds/lab:$c/brightness"
    echo 1 >"$RUN/sys/class/leds/lab:$c/max_brightness"
    echo "[none] timer heartbeat" >"$RUN/sys/class/leds/lab:$c/trigger"
  done
}

# "green:on amber:off red:blink", or nothing while the daemon has not touched the tree.
lab_leds() {
  local c d out="" touched=0 trig
  for c in green amber red; do
    d="$RUN/sys/class/leds/lab:$c"
    trig=$(cat "$d/trigger" 2>/dev/null)
    [ "$trig" = "[none] timer heartbeat" ] || touched=1
    if [ "$trig" = timer ] || [ "$trig" = "[timer]" ]; then out+="$c:blink "
    elif [ "$(cat "$d/brightness" 2>/dev/null)" != 0 ]; then out+="$c:on "
    else out+="$c:off "; fi
  done
  [ "$touched" = 1 ] && echo "${out% }"
}

lab_daemon_start() {
  mkdir -p "$RUN/state"
  # shellcheck disable=SC2086
  ip netns exec "$NS_SITE" $EDGEMONITOR run --config "$RUN/edgemonitor.json" --state-dir "$RUN/state" >"$RUN/daemon.log" 2>&1 &
  echo $! >"$RUN/daemon.pid"
}

# The daemon's latest picture: the NOC's retained MQTT status when there is one, else status.json.
# Prints "SOURCE JSON" on one line.
lab_daemon_status() {
  local m
  if command -v mosquitto_sub >/dev/null; then
    m=$(lab_inet timeout 3 mosquitto_sub -h "$NOC4" -t edgemonitor/lab/status -C 1 -W 2 2>/dev/null)
    if [ -n "$m" ]; then echo "mqtt $(jq -c . <<<"$m" 2>/dev/null)"; return; fi
  fi
  [ -f "$RUN/state/status.json" ] && echo "status.json $(jq -c . "$RUN/state/status.json" 2>/dev/null)"
}

# --- policies -------------------------------------------------------------------------------

# The vendor-guide policy: OpenWrt fw4's ruleset (fw4/ruleset.nft: lan = fs, the site, and fo,
# another segment; wan = fi) with what `edgemonitor allowlist --format fw4` prints for the lab's
# config in its /etc/nftables.d/, scoped to the site's segment, plus vendor-guide.extra.nft. The
# router's dnsmasq runs in fw and fills the snippet's sets from its nftset= lines, as on OpenWrt.
lab_vendor_guide() {
  mkdir -p "$RUN/nftables.d"
  lab_em allowlist --config "$RUN/edgemonitor.json" --format fw4 --from fs --from 10.99.1.0/24 --from fd99:1::/64 \
    >"$RUN/nftables.d/50-edgemonitor.nft" || return 1
  sed -e "s#@NFTABLES_D@#$RUN/nftables.d#; s#@LAN2@#fo#g; s#@LAN@#fs#g; s#@WAN@#fi#g" "$LAB_DIR/fw4/ruleset.nft" >"$RUN/vendor-guide.nft"
  cat "$LAB_DIR/policies/vendor-guide.extra.nft" >>"$RUN/vendor-guide.nft"
  { echo "no-resolv"; echo "no-hosts"; echo "bind-interfaces"; echo "listen-address=10.99.1.1"; echo "user=root"
    echo "server=$DNS4"; echo "max-cache-ttl=300"
    sed -n 's/^# nftset=/nftset=/p' "$RUN/nftables.d/50-edgemonitor.nft"
  } >"$RUN/router-dnsmasq.conf"
  ip netns exec "$NS_FW" dnsmasq --keep-in-foreground --conf-file="$RUN/router-dnsmasq.conf" \
    --pid-file="$RUN/router-dnsmasq.pidfile" >"$RUN/router-dnsmasq.log" 2>&1 &
  echo $! >"$RUN/router-dnsmasq.pid"
}

# After vendor-guide shows ok: the drops are the site segment's alone. A port no guide names
# (the SSH banner on inet's own address) is dropped from the site and open from the other segment.
lab_verify_vendor_guide() {
  local a
  for a in 10.99.254.2 fd99:fe::2; do
    lab_site timeout 3 bash -c "exec 3<>/dev/tcp/$a/18991 && head -c 7 <&3" 2>/dev/null | grep -q SSH-2.0 \
      && { echo "site reached $a:18991 through the allowlist"; return 1; }
    lab_other timeout 3 bash -c "exec 3<>/dev/tcp/$a/18991 && head -c 7 <&3" 2>/dev/null | grep -q SSH-2.0 \
      || { echo "the other segment could not reach $a:18991"; return 1; }
  done
  # The sets were filled by the router's dnsmasq, not at load: the snippet has no elements.
  local filled; filled=$(lab_fw nft list sets inet | grep -c 'elements = ')
  [ "$filled" -gt 0 ] || { echo "no set of the snippet was filled by the router's dnsmasq"; return 1; }
  echo "site dropped, other segment reached 10.99.254.2 and fd99:fe::2 port 18991; $filled sets filled by dnsmasq"
}

lab_policy_file() {
  if [ "$1" = vendor-guide ]; then echo "$RUN/vendor-guide.nft"; else echo "$LAB_DIR/policies/$1.nft"; fi
}

# Replace the policy atomically: one nft transaction drops the old tables (the iptables-nft
# ones too) and loads the new. A policy may add iptables rules (POLICY.iptables, for both
# families): string matching exists there (xt_string), not in nftables.
lab_apply() {
  local f; f=$(lab_policy_file "$1")
  [ -f "$f" ] || { lab_log "no policy $1 ($f)"; return 1; }
  { for t in "inet labfw" "inet edgemonitor" "inet fw4" "ip filter" "ip6 filter"; do printf 'table %s\ndelete table %s\n' "$t" "$t"; done
    cat "$f"; } >"$RUN/applied.nft"
  lab_fw nft -f "$RUN/applied.nft" || return 1
  # A policy may set conntrack sysctls (POLICY.sysctl); the others get the kernel default back.
  lab_fw sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_established=432000
  if [ -f "${f%.nft}.sysctl" ]; then lab_fw sysctl -q -p "${f%.nft}.sysctl" || return 1; fi
  if [ -f "${f%.nft}.iptables" ]; then
    lab_fw iptables-restore --noflush <"${f%.nft}.iptables" && lab_fw ip6tables-restore --noflush <"${f%.nft}.iptables"
  fi
}

lab_check() { # check --json in the site namespace; prints the JSON
  # shellcheck disable=SC2086
  lab_site $EDGEMONITOR check --config "$RUN/edgemonitor.json" --json 2>>"$RUN/check.stderr"
}

# --- up / down ------------------------------------------------------------------------------

# LAB_MODE: daemon (one `edgemonitor run`, observed over MQTT / status.json / LEDs) when the
# binary has `run`, else check (`check --json` per round). Set it to force one.
lab_up() {
  lab_find_edgemonitor || return 1
  mkdir -p "$RUN"; chmod 755 "$RUN"
  if [ -z "${LAB_MODE:-}" ]; then LAB_MODE=check; lab_has_verb run && LAB_MODE=daemon; fi
  echo "$LAB_MODE" >"$RUN/mode"
  lab_hosts && lab_certs && lab_net && lab_services && lab_led_tree && lab_config && lab_vendor_guide
}

lab_down() {
  local ns pid
  for ns in "$NS_SITE" "$NS_FW" "$NS_INET" "$NS_OTHER"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
  done
  sleep 0.2
  for ns in "$NS_SITE" "$NS_FW" "$NS_INET" "$NS_OTHER"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
    rm -rf "/etc/netns/$ns"
  done
  [ "${LAB_KEEP:-0}" = 1 ] || rm -rf "$RUN"
}
