# Shared by scripts/package-deb.sh, scripts/package-openwrt.sh and scripts/install.sh (sourced).
# Where each installed file comes from, so the three install the same things.

# $repo: the checkout root (set by the sourcing script).

# The systemd unit: the daemon's own (systemd/edgemonitor.service) or, until it exists, the
# fallback here. ExecStart is pointed at the binary's installed path ($1).
unit_text() {
  local bin="$1" src="$repo/systemd/edgemonitor.service"
  if [ ! -f "$src" ]; then
    echo "note: systemd/edgemonitor.service not found; using scripts/packaging/edgemonitor.service.fallback" >&2
    src="$repo/scripts/packaging/edgemonitor.service.fallback"
  fi
  sed -E "s#^(ExecStart=)[^ ]*/edgemonitor#\1$bin#" "$src"
}

# The system user the unit runs as (User=); edgemonitor when the unit names none.
unit_user() {
  local u
  u=$(unit_text /usr/bin/edgemonitor 2>/dev/null | sed -n 's/^User=//p' | head -1)
  echo "${u:-edgemonitor}"
}

# sysusers.d entries: the service user and the gpio group its unit asks for
# (systemd/edgemonitor.sysusers), or, without that file, the user alone.
sysusers_text() {
  local src="$repo/systemd/edgemonitor.sysusers"
  if [ -f "$src" ]; then cat "$src"; return; fi
  printf 'u %s - "EdgeMonitor daemon" /var/lib/edgemonitor /usr/sbin/nologin\n' "$(unit_user)"
}

# tmpfiles.d rules: the gpio group may drive LED-class LEDs and GPIO lines (systemd/edgemonitor.tmpfiles).
tmpfiles_text() { cat "$repo/systemd/edgemonitor.tmpfiles"; }

# Where the packages put the README; the unit's Documentation= and the conffile point at it.
doc_dir=/usr/share/doc/edgemonitor

# The procd init script for OpenWrt: the daemon's own or the fallback.
init_file() {
  local src="$repo/scripts/openwrt/edgemonitor.init"
  if [ ! -f "$src" ]; then
    echo "note: scripts/openwrt/edgemonitor.init not found; using scripts/packaging/edgemonitor.init.fallback" >&2
    src="$repo/scripts/packaging/edgemonitor.init.fallback"
  fi
  echo "$src"
}

# The installed /etc/edgemonitor/edgemonitor.json: the embedded default (every built-in
# profile), so an installed box checks what `edgemonitor check` checks until it is edited.
config_text() {
  printf '// EdgeMonitor configuration. Reload: systemctl reload edgemonitor (SIGHUP).\n'
  printf '// Every key and its default: %s/README.md ("Configuration"), man edgemonitor.\n' "$doc_dir"
  grep -v '^// The embedded default\|^// A box with its own file' "$repo/src/EdgeMonitor/Configuration/default-config.json"
}

# The version the binary reports (it runs here only when built for this machine), else the csproj's.
binary_version() {
  local bin="$1" v
  v=$("$bin" --version 2>/dev/null | awk '{print $2}') || true
  [ -n "$v" ] || v=$(sed -n 's#.*<Version>\(.*\)</Version>.*#\1#p' "$repo/src/EdgeMonitor/EdgeMonitor.csproj" | head -1)
  echo "$v"
}

# ELF machine of the binary: x86_64 | aarch64 | arm.
elf_machine() {
  case "$(readelf -h "$1" 2>/dev/null | sed -n 's/^ *Machine: *//p')" in
    *X86-64*) echo x86_64 ;;
    *AArch64*) echo aarch64 ;;
    *ARM*) echo arm ;;
    *) echo unknown ;;
  esac
}
