#!/bin/sh
# Stand-in for bastille, vm, sysrc, kldload, kldstat, sysctl, service, jls and zfs in tests.
# Records its argv (tab-separated) in $STANDIN_LOG and answers from $STANDIN_STATE:
#   kld/MOD (module loaded), sysctl/NAME (value), jails/NAME (jail exists),
#   running/NAME (jail runs), guests/JAIL/NAME (guest exists), vmm/NAME (guest runs),
#   iso/NAME (an ISO in the jail's vm_dir), zfs/POOL_DS.jailed (zfs set jailed=on done),
#   zfs/POOL_DS.created (the dataset exists: `zfs create`, `zfs list -H -o name DS`),
#   fail (a tab-separated argv prefix that exits 1 with a message on stderr),
#   hang (an argv prefix that touches hung and sleeps, for signal tests),
#   pkg/JAIL/PKG (a package installed in the jail; `bastille pkg JAIL install -y PKG`),
#   routes (what `netstat -rn -f inet` prints; absent: a table with no default route),
#   releases/REL (`bastille bootstrap REL` done; `bastille list releases` lists them),
#   if/NAME (an interface exists: `ifconfig NAME create ...` makes it empty, `ifconfig NAME`
#   exits 0 and prints the file, `ifconfig -a` prints them all), netif/NAME (what
#   `ifconfig NAME` shows once `service netif restart NAME` made it from rc.conf),
#   hostpkg/PKG (a package installed on the host: `pkg install -y PKG`, `pkg info -e PKG`),
#   rootpkg/ROOT/PKG (installed below a jail's root from the host, ROOT's `/` as `_`:
#   `pkg -r ROOT install -y PKG`, `pkg -r ROOT info -e PKG`).
#   devfs/N (the rules `service devfs restart` loaded from $STANDIN_ROOT/etc/devfs.rules
#   into ruleset N, as `devfs rule -s N show` prints them), devfs-stale (restart loads
#   nothing: the kernel keeps its old rules), applied/N (`devfs -m DIR rule -s N applyset`).
# `vm create` also writes an empty disk0.img beside the config; `vm destroy -f NAME` removes
# the guest's directory (config and disks), as core::destroy does; `bastille destroy` removes
# the jail's directory; `zfs snapshot -r DS@SNAP` records snapshots/DS@SNAP (`/` as `_`),
# which `zfs list -H -t snapshot -o name DS@SNAP` then finds.
# `vm stop` also removes the guest's dev/vmm node below the jail's root under $STANDIN_ROOT
# (unless stuck/NAME: a guest that ignores its ACPI power button).
# `bastille create` copies $STANDIN_JAILCONF to the jail's jail.conf below $STANDIN_ROOT
# (named for the jail); `bastille template` adds the Bastillefile's SYSRC lines to the jail's
# rc.conf, and `vm create` writes the guest's config in its vm_dir, as vm-bhyve would (with
# the uuid and MAC it writes back), so a later facts pass finds the jail and its guests.
# The read-only probes of `bhyvetpl facts` answer from the state: `sysctl -i`, `zfs list`,
# `kldstat -q -m`, `freebsd-version -kru` (14.3-RELEASE).
set -eu
name=${0##*/}
line=$name
for arg in "$@"; do line=$(printf '%s\t%s' "$line" "$arg"); done
printf '%s\n' "$line" >> "$STANDIN_LOG"
state=$STANDIN_STATE
if [ -f "$state/hang" ]; then
  prefix=$(cat "$state/hang")
  case "$line" in
    "$prefix"*) : > "$state/hung"; exec sleep 60 ;;
  esac
fi
if [ -f "$state/fail" ]; then
  prefix=$(cat "$state/fail")
  case "$line" in
    "$prefix"*) echo "$name: injected failure" >&2; exit 1 ;;
  esac
fi
case "$name" in
  kldstat) [ $# -ge 3 ] && [ -e "$state/kld/$3" ] ;;
  freebsd-version) printf '14.3-RELEASE\n14.3-RELEASE\n14.3-RELEASE-p2\n' ;;
  kldload)
    mkdir -p "$state/kld"; : > "$state/kld/$2"
    # the jail parameter exists once vmm is loaded (jail(8): allow.vmm)
    if [ "$2" = vmm ] && [ ! -e "$state/sysctl/security.jail.param.allow.vmm" ]; then
      mkdir -p "$state/sysctl"; echo 0 > "$state/sysctl/security.jail.param.allow.vmm"
    fi ;;
  sysctl)
    if [ "$1" = -i ]; then
      shift
      for oid in "$@"; do
        if [ -f "$state/sysctl/$oid" ]; then printf '%s: %s\n' "$oid" "$(cat "$state/sysctl/$oid")"; fi
      done
    elif [ "$1" = -n ]; then
      [ -f "$state/sysctl/$2" ] || { echo "sysctl: unknown oid '$2'" >&2; exit 1; }
      cat "$state/sysctl/$2"
    else
      mkdir -p "$state/sysctl"; echo "${1#*=}" > "$state/sysctl/${1%%=*}"
    fi ;;
  jls) [ -e "$state/running/$2" ] || { echo "jls: jail \"$2\" not found" >&2; exit 1; } ;;
  service)
    rules="${STANDIN_ROOT:-/nonexistent}/etc/devfs.rules"
    if [ "$1 $2" = "netif restart" ] && [ $# -eq 3 ]; then
      # rc.d/netif makes the interface from rc.conf: it then shows as netif/NAME says
      mkdir -p "$state/if"; cat "$state/netif/$3" > "$state/if/$3" 2>/dev/null || : > "$state/if/$3"
    fi
    if [ "$1 $2" = "devfs restart" ] && [ -f "$rules" ] && [ ! -e "$state/devfs-stale" ]; then
      mkdir -p "$state/devfs"
      awk -v dir="$state/devfs" '
        /^[ \t]*\[[^=]*=[0-9]+\]/ { h = $0; sub(/^[^=]*=/, "", h); sub(/\].*/, "", h)
                                    out = dir "/" h; printf "" > out; n = 0; next }
        { sub(/#.*/, "") }
        out != "" && $1 == "add" { n += 100; $1 = ""; gsub(/\047/, ""); sub(/^ /, "")
                                   print n " " $0 > out }' "$rules"
    fi ;;
  devfs)
    if [ "$1" = rule ] && [ "$4" = show ]; then cat "$state/devfs/$3" 2>/dev/null || true
    elif [ "$1" = -m ]; then mkdir -p "$state/applied"; printf '%s\n' "$2" > "$state/applied/$5"
    fi ;;
  sysrc|vm) : ;;
  ifconfig)
    if [ "${2:-}" = create ]; then mkdir -p "$state/if"; : > "$state/if/$1"
    elif [ "$1" = -a ]; then cat "$state"/if/* 2>/dev/null || :
    else [ -e "$state/if/$1" ] && cat "$state/if/$1"; fi ;;
  pkg)
    if [ "$1" = -r ]; then
      # pkg -r ROOT install -y P / info -e P: packages installed below a jail's root
      dir="$state/rootpkg/$(printf '%s' "$2" | tr / _)"
      if [ "$3" = info ]; then [ -e "$dir/$5" ]
      else mkdir -p "$dir"; : > "$dir/$5"; fi
    elif [ "$1" = info ]; then [ -e "$state/hostpkg/$3" ]
    else mkdir -p "$state/hostpkg"; : > "$state/hostpkg/$3"; fi ;;
  netstat)
    if [ -f "$state/routes" ]; then cat "$state/routes"
    else printf 'Routing tables\n\nInternet:\nDestination        Gateway            Flags         Netif Expire\n'; fi ;;
  zfs)
    ds=$(printf '%s' "$*" | awk '{print $NF}' | tr / _)
    if [ "$1" = list ] && [ "${3:-}" = -t ]; then
      [ -e "$state/snapshots/$ds" ]
    elif [ "$1 $2" = "list -H" ]; then
      [ -e "$state/zfs/$ds.created" ] || { echo "cannot open '$6': dataset does not exist" >&2; exit 1; }
    elif [ "$1" = list ]; then
      echo "NAME  MOUNTPOINT"
    elif [ "$1" = create ]; then
      mkdir -p "$state/zfs"; : > "$state/zfs/$ds.created"
    elif [ "$1" = snapshot ]; then
      mkdir -p "$state/snapshots"; : > "$state/snapshots/$ds"
    elif [ "$1" = get ]; then
      if [ -e "$state/zfs/$ds.jailed" ]; then echo on; else echo off; fi
    else
      mkdir -p "$state/zfs"; : > "$state/zfs/$ds.jailed"
    fi ;;
  bastille)
    case "$1" in
      list)
        if [ "${2:-}" = releases ]; then ls "$state/releases" 2>/dev/null || true
        else ls "$state/jails" 2>/dev/null || true; fi ;;
      bootstrap) mkdir -p "$state/releases"; : > "$state/releases/$2" ;;
      create)
        shift
        while [ "${1#-}" != "$1" ]; do shift; done
        mkdir -p "$state/jails" "$state/running"; : > "$state/jails/$1"; : > "$state/running/$1"
        if [ -n "${STANDIN_ROOT:-}" ]; then
          mkdir -p "$STANDIN_ROOT/usr/local/bastille/jails/$1"
          sed "1s/^[^ ]* {/$1 {/" "$STANDIN_JAILCONF" > "$STANDIN_ROOT/usr/local/bastille/jails/$1/jail.conf"
        fi
        ;;
      template)
        # as `CONFIG set` does through `bastille config`: the jail's jail.conf changes
        conf="${STANDIN_ROOT:-/nonexistent}/usr/local/bastille/jails/$2/jail.conf"
        if [ -f "$conf" ]; then echo "# changed by the template stand-in" >> "$conf"; fi
        file="${STANDIN_ROOT:-/nonexistent}/usr/local/bastille/templates/$3/Bastillefile"
        if [ -f "$file" ]; then
          mkdir -p "$STANDIN_ROOT/usr/local/bastille/jails/$2/root/etc"
          rc="$STANDIN_ROOT/usr/local/bastille/jails/$2/root/etc/rc.conf"
          sed -n 's/^SYSRC //p' "$file" | while IFS= read -r assign; do
            key=${assign%%=*}
            # sysrc NAME+=WORD appends WORD to what NAME holds
            case "$key" in *+)
              key=${key%+}
              had=$(sed -n "s/^$key=\"*\([^\"]*\)\"*\$/\1/p" "$rc" 2>/dev/null | tail -n 1)
              assign="$key=\"${had:+$had }${assign#*+=}\"" ;;
            esac
            if [ -f "$rc" ]; then grep -v "^$key=" "$rc" > "$rc.tmp" || :; mv "$rc.tmp" "$rc"; fi
            printf '%s\n' "$assign" >> "$rc"
          done
        fi ;;
      cmd)
        jail=$2; shift 2
        case "$*" in
          "vm info "*) [ -e "$state/guests/$jail/$3" ] ;;
          "vm create "*)
            for guest in "$@"; do :; done
            mkdir -p "$state/guests/$jail"; : > "$state/guests/$jail/$guest"
            jroot="${STANDIN_ROOT:-/nonexistent}/usr/local/bastille/jails/$jail/root"
            vmdir=$(sed -n 's/^vm_dir="*\([^"]*\)"*$/\1/p' "$jroot/etc/rc.conf" 2>/dev/null || :)
            case "$vmdir" in zfs:*) vmdir="/${vmdir#zfs:}" ;; esac   # mounted at /DATASET
            if [ -n "$vmdir" ] && [ -f "$jroot$vmdir/.templates/$4.conf" ]; then
              mkdir -p "$jroot$vmdir/$guest"
              { cat "$jroot$vmdir/.templates/$4.conf"
                echo 'uuid="0c2f2a4e-5f1e-11ef-8f8c-00a098c1f3a1"'
                echo 'network0_mac="58:9c:fc:00:00:01"'; } > "$jroot$vmdir/$guest/$guest.conf"
              : > "$jroot$vmdir/$guest/disk0.img"
            fi ;;
          "vm destroy -f "*)
            rm -f "$state/guests/$jail/$4"
            jroot="${STANDIN_ROOT:-/nonexistent}/usr/local/bastille/jails/$jail/root"
            vmdir=$(sed -n 's/^vm_dir="*\([^"]*\)"*$/\1/p' "$jroot/etc/rc.conf" 2>/dev/null || :)
            if [ -n "$vmdir" ]; then rm -rf "${jroot:?}$vmdir/$4"; fi ;;
          "vm iso "*) mkdir -p "$state/iso"; : > "$state/iso/${3##*/}" ;;
          "vm install "*|"vm start "*) mkdir -p "$state/vmm"; : > "$state/vmm/$3" ;;
          "test -e /dev/vmm/"*) [ -e "$state/vmm/${3##*/}" ] ;;
          "test ! -e /dev/vmm/"*) [ ! -e "$state/vmm/${4##*/}" ] ;;
          "test ! -e /"*) [ ! -e "${STANDIN_ROOT:-/nonexistent}/usr/local/bastille/jails/$jail/root$4" ] ;;
          "vm stop "*)
            [ -e "$state/stuck/$3" ] && exit 0   # a guest that ignores the power button
            rm -f "$state/vmm/$3"
            rm -f "${STANDIN_ROOT:-/nonexistent}/usr/local/bastille/jails/$jail/root/dev/vmm/$3" ;;
          "test -f "*) [ -e "$state/iso/${3##*/}" ] ;;
          "sh -c "*) [ ! -e "$state/vmm/$5" ] ;;   # vm.wait_stopped_argv: sh -c WAIT sh NAME S
          "pkg info -e "*) [ -e "$state/pkg/$jail/$4" ] ;;
        esac ;;
      destroy)
        for jail in "$@"; do :; done
        rm -f "$state/jails/$jail" "$state/running/$jail"
        rm -rf "${STANDIN_ROOT:-/nonexistent}/usr/local/bastille/jails/$jail" ;;
      cp) mkdir -p "$state/iso"; : > "$state/iso/${4##*/}" ;;
      pkg) mkdir -p "$state/pkg/$2"; : > "$state/pkg/$2/$5" ;;
      *) : ;;
    esac ;;
esac
