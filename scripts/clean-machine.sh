#!/usr/bin/env bash
# make clean-machine: the README's two commands on a machine that has none of this one's extras.
#
# A test-only Debian root is made with debootstrap (same release and mirror as this machine's
# apt sources), a fresh `git clone` of this repository (its committed HEAD) is copied into it,
# and inside it, as a new user would, with nothing installed by hand:
#   1. `make run`, bounded: the first page must answer, in Vietnamese;
#   2. `make test`: the whole suite, both passes;
#   3. `flask documents check` (the official documents' PDF reads back in Vietnamese);
#   4. the production way, no make: `pip install .` from another fresh clone into a new venv,
#      `flask db upgrade`, `flask seed demo`, `flask run`: the first page, in Vietnamese.
# Both run in a network namespace of their own, so this machine's PostgreSQL and Redis on
# 127.0.0.1 are not there: the project's scripts must install and start their own. The namespace
# reaches the package registries (apt, pip) through a veth pair and NAT restricted to DNS, HTTP
# and HTTPS; nothing on this machine is reachable from it (its input from the veth is dropped).
# Of this machine the root gets only what its network needs: resolv.conf, and the certificate
# authorities of this workplace's egress proxy with pip told to use the system's CA bundle.
#
# Needs root (debootstrap, chroot, mounts, netns). Not part of `make test`: it takes long.
#   CLEAN_MACHINE_DIR  where the roots live (default /var/tmp/petitions-clean-machine)
#   FRESH=1            make the Debian base again instead of reusing the cached one
#   KEEP=1             keep the run's root afterwards (to look inside)
#   RUN_TIMEOUT        seconds `make run` has to serve the first page (default 900)
#   TEST_TIMEOUT       seconds `make test` may take (default 5400)
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${CLEAN_MACHINE_DIR:-/var/tmp/petitions-clean-machine}"
run_timeout="${RUN_TIMEOUT:-900}"
test_timeout="${TEST_TIMEOUT:-5400}"
ns=petitions-cm
veth_host=pcm0 veth_ns=pcm1 net=10.231.77
chain=PETITIONS_CM

[ "$(id -u)" = 0 ] || { echo "clean-machine: needs root (debootstrap, chroot, network namespace)" >&2; exit 2; }
mkdir -p "$dir"
report="$dir/report.txt"
: > "$report"
say() { echo "clean-machine: $*" | tee -a "$report" >&2; }
t0=$(date +%s)
step_start() { step_name="$1"; step_t=$(date +%s); say "== $step_name"; }
step_end() {  # step_end STATUS [detail]
  local s=$(( $(date +%s) - step_t ))
  printf 'clean-machine: %-44s %-6s %5d s  %s\n' "$step_name" "$1" "$s" "${2:-}" | tee -a "$report" >&2
  printf '%-44s %-6s %5d s  %s\n' "$step_name" "$1" "$s" "${2:-}" >> "$dir/steps.txt"
}
: > "$dir/steps.txt"

# --- the release and mirror of this machine --------------------------------------------------
. /etc/os-release
suite="${SUITE:-$VERSION_CODENAME}"
mirror="${MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror=$(grep -h -m1 -E '^URIs:.*/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | head -1)
  [ -n "$mirror" ] || mirror=$(grep -h -m1 -E "^deb +[^ ]+/debian/? +$suite " /etc/apt/sources.list 2>/dev/null | awk '{print $2}')
  mirror="${mirror:-http://deb.debian.org/debian}"
fi
base="$dir/base-$suite"
root="$dir/root"
say "Debian $suite from $mirror; repository $repo at $(git -C "$repo" rev-parse --short HEAD)"

# --- everything started here is undone on exit -------------------------------------------------
old_forward=$(cat /proc/sys/net/ipv4/ip_forward)
chroot_pids() {  # processes whose root is the run's root
  local p r
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    [ "$r" = "$root" ] && echo "${p#/proc/}"
  done
}
cleanup() {
  local pids
  pids=$(chroot_pids); [ -n "$pids" ] && kill $pids 2>/dev/null && sleep 3
  pids=$(chroot_pids); [ -n "$pids" ] && kill -9 $pids 2>/dev/null && sleep 1
  for m in dev/shm dev/pts dev sys proc; do mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"; done
  ip netns del "$ns" 2>/dev/null
  ip link del "$veth_host" 2>/dev/null
  iptables -D FORWARD -j "$chain" 2>/dev/null; iptables -D INPUT -j "${chain}_IN" 2>/dev/null
  iptables -F "$chain" 2>/dev/null; iptables -X "$chain" 2>/dev/null
  iptables -F "${chain}_IN" 2>/dev/null; iptables -X "${chain}_IN" 2>/dev/null
  iptables -t nat -D POSTROUTING -s "$net.0/30" -j MASQUERADE 2>/dev/null
  echo "$old_forward" > /proc/sys/net/ipv4/ip_forward
  if [ -z "${KEEP:-}" ] && [ -d "$root" ]; then rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. this machine's tools for the check itself ----------------------------------------------
step_start "host tools (debootstrap, iptables)"
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v iptables >/dev/null || missing+=(iptables)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || { step_end FAIL "apt-get install ${missing[*]}"; exit 1; }
fi
step_end ok "${missing[*]:-already there}"

# --- 2. the Debian base: what a developer's fresh Debian has, plus the README's prerequisites -----
# The README asks for: make, python3 (>= 3.11) with venv. Nothing else is added here.
step_start "debootstrap $suite (minbase + make python3 python3-venv)"
if [ -n "${FRESH:-}" ]; then rm -rf --one-file-system "$base"; fi
if [ -x "$base/usr/bin/make" ]; then
  step_end ok "reused $base (FRESH=1 to make it again)"
else
  rm -rf --one-file-system "$base.tmp"
  if nice -n 10 debootstrap --variant=minbase --include=make,python3,python3-venv,ca-certificates \
      "$suite" "$base.tmp" "$mirror" > "$dir/debootstrap.log" 2>&1; then
    # the same apt sources as this machine's Debian (release, updates, security)
    if ls /etc/apt/sources.list.d/debian.sources >/dev/null 2>&1; then
      cp /etc/apt/sources.list.d/debian.sources "$base.tmp/etc/apt/sources.list.d/debian.sources"
      : > "$base.tmp/etc/apt/sources.list"
    fi
    rm -rf "$base.tmp/var/cache/apt/archives/"*.deb
    mv "$base.tmp" "$base"
    step_end ok "$(du -sh --one-file-system "$base" | cut -f1)"
  else
    step_end FAIL "see $dir/debootstrap.log"; exit 1
  fi
fi

# --- 3. a fresh root and a fresh clone --------------------------------------------------------
step_start "fresh root + git clone"
rm -rf --one-file-system "$root"
cp -a "$base" "$root"
git clone -q "$repo" "$root/root/petitions" || { step_end FAIL "git clone"; exit 1; }
git clone -q "$repo" "$root/root/petitions-pkg" || { step_end FAIL "git clone"; exit 1; }
commit=$(git -C "$root/root/petitions" rev-parse --short HEAD)
cp /etc/resolv.conf "$root/etc/resolv.conf"
# This workplace's network, not the project: HTTPS to the registries goes through an egress proxy
# whose certificate authority every machine here trusts (the local CAs and pip's `cert` setting).
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$root/etc/pip.conf"
fi
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" 2>/dev/null || mount --bind /dev/pts "$root/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
step_end ok "commit $commit"

# --- 4. the network namespace: its own loopback; registries through NAT only ------------------
step_start "network namespace $ns"
ip netns del "$ns" 2>/dev/null; ip link del "$veth_host" 2>/dev/null
ip netns add "$ns"
ip link add "$veth_host" type veth peer name "$veth_ns"
ip link set "$veth_ns" netns "$ns"
ip addr add "$net.1/30" dev "$veth_host"; ip link set "$veth_host" up
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip addr add "$net.2/30" dev "$veth_ns"
ip netns exec "$ns" ip link set "$veth_ns" up
ip netns exec "$ns" ip route add default via "$net.1"
echo 1 > /proc/sys/net/ipv4/ip_forward
iptables -N "$chain" 2>/dev/null || iptables -F "$chain"
iptables -A "$chain" -i "$veth_host" -p udp --dport 53 -j ACCEPT
iptables -A "$chain" -i "$veth_host" -p tcp -m multiport --dports 53,80,443 -j ACCEPT
iptables -A "$chain" -o "$veth_host" -m state --state ESTABLISHED,RELATED -j ACCEPT
iptables -A "$chain" -i "$veth_host" -j DROP
iptables -A "$chain" -o "$veth_host" -j DROP
iptables -I FORWARD -j "$chain"
iptables -N "${chain}_IN" 2>/dev/null || iptables -F "${chain}_IN"
iptables -A "${chain}_IN" -i "$veth_host" -j DROP  # no service of this machine is reachable from inside
iptables -I INPUT -j "${chain}_IN"
iptables -t nat -A POSTROUTING -s "$net.0/30" -j MASQUERADE
if ip netns exec "$ns" bash -c 'exec 3<>/dev/tcp/127.0.0.1/5432' 2>/dev/null; then
  step_end FAIL "127.0.0.1:5432 answers inside the namespace"; exit 1
fi
step_end ok "127.0.0.1:5432 and :6379 closed inside; DNS/HTTP/HTTPS out through NAT"

# inside: a new user's login shell, nothing of this machine's environment
inside() {
  ip netns exec "$ns" chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb \
    /bin/bash -c "cd /root/petitions && $1"
}
status=0

first_page() {  # first_page PORT PID FILE: wait for the page while PID runs; Vietnamese?
  local port=$1 pid=$2 file=$3 page=""
  for _ in $(seq 1 "$run_timeout"); do
    kill -0 "$pid" 2>/dev/null || break
    page=$(ip netns exec "$ns" curl -s -m 5 "http://127.0.0.1:$port/" 2>/dev/null) && [ -n "$page" ] && break
    sleep 1
  done
  if [ -z "$page" ]; then step_end FAIL "no page within ${run_timeout} s"; return 1; fi
  echo "$page" > "$file"
  if grep -q '<html lang="vi"' <<<"$page" && grep -q 'Bạn đã gửi đơn' <<<"$page" \
      && ! grep -q 'Which one should I choose' <<<"$page"; then
    step_end ok "first page served in Vietnamese ($(grep -o '<h1>[^<]*' <<<"$page" | head -1 | sed 's/<h1>//'))"
  else
    step_end FAIL "first page is not in Vietnamese (see $file)"; return 1
  fi
}
stop() {  # stop PID: the bounded command, then whatever it left running in the root
  local pids
  kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null
  pids=$(chroot_pids); [ -n "$pids" ] && kill $pids 2>/dev/null; sleep 2
}

# --- 5. the app command, bounded: the first page must answer in Vietnamese --------------------
step_start "make run (until the first page answers)"
inside "exec timeout --kill-after=20 $run_timeout nice -n 10 make run" > "$dir/make-run.log" 2>&1 &
run_pid=$!
first_page 5000 "$run_pid" "$dir/first-page.html" || status=1
stop "$run_pid"

# --- 6. the test command -------------------------------------------------------------------
step_start "make test"
inside "timeout --kill-after=30 $test_timeout nice -n 10 make test" > "$dir/make-test.log" 2>&1
rc=$?
summary=$(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$dir/make-test.log" | sed 's/=//g; s/^ *//; s/ *$//' | paste -sd'|' -)
if [ $rc = 0 ]; then step_end ok "$summary"; else step_end FAIL "exit $rc: $summary (see $dir/make-test.log)"; status=1; fi

# --- 7. the documents' check --------------------------------------------------------------
step_start "flask documents check"
inside "FLASK_APP=petitions .venv/bin/flask documents check" > "$dir/documents-check.log" 2>&1
rc=$?
if [ $rc = 0 ]; then step_end ok "$(head -c 160 "$dir/documents-check.log")"; else step_end FAIL "$(head -c 300 "$dir/documents-check.log")"; status=1; fi
pids=$(chroot_pids); [ -n "$pids" ] && kill $pids 2>/dev/null  # Redis and PostgreSQL of make test

# --- 8. the production way: pip install . (no make), migrate, demo data, first page ------------
step_start "pip install . in a new venv (no make)"
inside "cd /root/petitions-pkg && python3 -m venv /root/pkg-venv && nice -n 10 /root/pkg-venv/bin/pip install -q ." \
  > "$dir/pip-install.log" 2>&1
rc=$?
mo=$(ls "$root"/root/pkg-venv/lib/python3*/site-packages/petitions/translations/vi/LC_MESSAGES/messages.mo 2>/dev/null)
if [ $rc = 0 ] && [ -n "$mo" ]; then step_end ok "the package carries ${mo#$root}"; else step_end FAIL "exit $rc (see $dir/pip-install.log)"; status=1; fi
step_start "flask db upgrade + seed demo + flask run (installed package)"
inside "cd /tmp && export FLASK_APP=petitions PETITIONS_INSTANCE=/root/pkg-instance \
  && /root/pkg-venv/bin/flask db upgrade && /root/pkg-venv/bin/flask seed demo --cases 50 \
  && exec timeout --kill-after=20 $run_timeout /root/pkg-venv/bin/flask run --port 5001" > "$dir/pkg-run.log" 2>&1 &
run_pid=$!
first_page 5001 "$run_pid" "$dir/pkg-first-page.html" || status=1
stop "$run_pid"

say "total $(( $(date +%s) - t0 )) s; commit $commit; logs in $dir"
cat "$dir/steps.txt"
exit $status
