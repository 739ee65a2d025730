# bash completion for bhyvetpl(8), bhyvetpl 0.1.0: `bhyvetpl completion bash` wrote it.
# A Tab press runs nothing but `bhyvetpl completion --names`, which only reads files.
_bhyvetpl_node() {
  case "$1" in
  '') _bt_subs='plan apply init demo new-guest lint doctor audit facts schema completion render import host jail bastille-plugin templates'; _bt_flags='--debug --version --help'; _bt_values=''; _bt_files=''; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'plan') _bt_subs=''; _bt_flags='-f --file --facts --root --emit -o --output --force --facts-dir --live --help'; _bt_values='-f --file --facts --root --emit -o --output --facts-dir'; _bt_files='-f --file --facts --root -o --output --facts-dir'; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'apply') _bt_subs=''; _bt_flags='-f --file --root --dry-run --emit --prune --delete-disks --restart --no-restart --live -o --output --force --restart-network --help'; _bt_values='-f --file --root --emit --delete-disks -o --output'; _bt_files='-f --file --root -o --output'; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'init') _bt_subs=''; _bt_flags='-f --file --root --facts --force --help'; _bt_values='-f --file --root --facts'; _bt_files='-f --file --root --facts'; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'demo') _bt_subs=''; _bt_flags='--force --plan --help'; _bt_values=''; _bt_files=''; _bt_jails=''; _bt_guests=''; _bt_args='files' ;;
  'new-guest') _bt_subs=''; _bt_flags='--preset --loader --cpu --topology --memory --disk --size --nic --no-nic --switch --passthru --graphics --no-graphics --vnc-port --vnc-listen --vnc-res --vnc-wait --comport --uuid --debug --no-debug --iso --install --no-install --start --no-start --restart --no-restart --vm-dir --vm-dataset --prefix --root --dry-run --emit --live -f --file --help'; _bt_values='--preset --loader --cpu --topology --memory --disk --size --nic --switch --passthru --vnc-port --vnc-listen --vnc-res --vnc-wait --comport --uuid --iso --vm-dir --vm-dataset --prefix --root --emit -f --file'; _bt_files='--root -f --file'; _bt_jails=''; _bt_guests=''; _bt_args='jails -' ;;
  'lint') _bt_subs=''; _bt_flags='--help'; _bt_values=''; _bt_files=''; _bt_jails=''; _bt_guests=''; _bt_args='files...' ;;
  'doctor') _bt_subs=''; _bt_flags='--json --ruleset --jails-dir --root --facts --help'; _bt_values='--ruleset --jails-dir --root --facts'; _bt_files='--root --facts'; _bt_jails=''; _bt_guests=''; _bt_args='jails' ;;
  'audit') _bt_subs=''; _bt_flags='--json --jails-dir --root --facts --help'; _bt_values='--jails-dir --root --facts'; _bt_files='--root --facts'; _bt_jails=''; _bt_guests=''; _bt_args='jails' ;;
  'facts') _bt_subs=''; _bt_flags='--json --root --load --help'; _bt_values='--root --load'; _bt_files='--root --load'; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'schema') _bt_subs=''; _bt_flags='--help'; _bt_values=''; _bt_files=''; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'completion') _bt_subs=''; _bt_flags='--names --jail --root --help'; _bt_values='--names --jail --root'; _bt_files='--root'; _bt_jails='--jail'; _bt_guests=''; _bt_args='-' ;;
  'render') _bt_subs='guest jail host'; _bt_flags='--help'; _bt_values=''; _bt_files=''; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'render guest') _bt_subs=''; _bt_flags='--preset --loader --cpu --topology --memory --disk --nic --no-nic --switch --passthru --graphics --no-graphics --vnc-port --vnc-listen --vnc-res --vnc-wait --comport --uuid --debug --no-debug -o --output --force --help'; _bt_values='--preset --loader --cpu --topology --memory --disk --nic --switch --passthru --vnc-port --vnc-listen --vnc-res --vnc-wait --comport --uuid -o --output'; _bt_files='-o --output'; _bt_jails=''; _bt_guests=''; _bt_args='-' ;;
  'render jail') _bt_subs=''; _bt_flags='--release --ip --iface --vnet --shared --bridge --gateway --vm-dir --vm-dataset --switch --ruleset --ruleset-name --preset --passthrough --no-passthrough --vmm-ppt --no-vmm-ppt -o --output --force --help'; _bt_values='--release --ip --iface --bridge --gateway --vm-dir --vm-dataset --switch --ruleset --ruleset-name --preset -o --output'; _bt_files='-o --output'; _bt_jails=''; _bt_guests=''; _bt_args='-' ;;
  'render host') _bt_subs=''; _bt_flags='--jail --release --ruleset --ruleset-name --guest --console --no-console --console-device --tap --no-tap --host-tap --uplink --zvol-dataset --disk-device --uefi --no-uefi --uefi-guest --vnc-guest --limit-memory --isolation --passthru --vmm-ppt --no-vmm-ppt --dhcp --no-dhcp --vnet --no-vnet --nat -o --output --force --help'; _bt_values='--jail --release --ruleset --ruleset-name --guest --console-device --host-tap --uplink --zvol-dataset --disk-device --uefi-guest --vnc-guest --limit-memory --isolation --passthru --nat -o --output'; _bt_files='-o --output'; _bt_jails='--jail'; _bt_guests='--guest'; _bt_args='' ;;
  'import') _bt_subs='vmrun'; _bt_flags='--help'; _bt_values=''; _bt_files=''; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'import vmrun') _bt_subs=''; _bt_flags='--switch --cwd --release -o --output --force --help'; _bt_values='--switch --cwd --release -o --output'; _bt_files='--cwd -o --output'; _bt_jails=''; _bt_guests=''; _bt_args='-...' ;;
  'host') _bt_subs='prepare'; _bt_flags='--help'; _bt_values=''; _bt_files=''; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'host prepare') _bt_subs=''; _bt_flags='--jail --release --ruleset --ruleset-name --guest --console --no-console --console-device --tap --no-tap --host-tap --uplink --zvol-dataset --disk-device --uefi --no-uefi --uefi-guest --vnc-guest --limit-memory --isolation --passthru --vmm-ppt --no-vmm-ppt --dhcp --no-dhcp --vnet --no-vnet --nat --root --dry-run --emit -f --file --live --restart-network --help'; _bt_values='--jail --release --ruleset --ruleset-name --guest --console-device --host-tap --uplink --zvol-dataset --disk-device --uefi-guest --vnc-guest --limit-memory --isolation --passthru --nat --root --emit -f --file'; _bt_files='--root -f --file'; _bt_jails='--jail'; _bt_guests='--guest'; _bt_args='' ;;
  'jail') _bt_subs='create apply'; _bt_flags='--help'; _bt_values=''; _bt_files=''; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'jail create') _bt_subs=''; _bt_flags='--release --ip --iface --vnet --shared --bridge --gateway --vm-dir --vm-dataset --switch --ruleset --ruleset-name --preset --passthrough --no-passthrough --vmm-ppt --no-vmm-ppt --prefix --root --dry-run --emit --restart --no-restart --live -f --file --help'; _bt_values='--release --ip --iface --bridge --gateway --vm-dir --vm-dataset --switch --ruleset --ruleset-name --preset --prefix --root --emit -f --file'; _bt_files='--root -f --file'; _bt_jails=''; _bt_guests=''; _bt_args='-' ;;
  'jail apply') _bt_subs=''; _bt_flags='--release --ip --iface --vnet --shared --bridge --gateway --vm-dir --vm-dataset --switch --ruleset --ruleset-name --preset --passthrough --no-passthrough --vmm-ppt --no-vmm-ppt --template --prefix --root --dry-run --emit --restart --no-restart --live -f --file --help'; _bt_values='--release --ip --iface --bridge --gateway --vm-dir --vm-dataset --switch --ruleset --ruleset-name --preset --template --prefix --root --emit -f --file'; _bt_files='--template --root -f --file'; _bt_jails=''; _bt_guests=''; _bt_args='jails' ;;
  'bastille-plugin') _bt_subs='install uninstall'; _bt_flags='--help'; _bt_values=''; _bt_files=''; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'bastille-plugin install') _bt_subs=''; _bt_flags='--sharedir --root --dry-run --emit --help'; _bt_values='--sharedir --root --emit'; _bt_files='--root'; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'bastille-plugin uninstall') _bt_subs=''; _bt_flags='--sharedir --root --dry-run --emit --help'; _bt_values='--sharedir --root --emit'; _bt_files='--root'; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'templates') _bt_subs='install list'; _bt_flags='--help'; _bt_values=''; _bt_files=''; _bt_jails=''; _bt_guests=''; _bt_args='' ;;
  'templates install') _bt_subs=''; _bt_flags='--jail --vm-dir --vm-dataset --preset --switch --host-tap --prefix --root --dry-run --emit --live --help'; _bt_values='--jail --vm-dir --vm-dataset --preset --switch --host-tap --prefix --root --emit'; _bt_files='--root'; _bt_jails='--jail'; _bt_guests=''; _bt_args='' ;;
  'templates list') _bt_subs=''; _bt_flags='--jail --vm-dir --vm-dataset --preset --switch --host-tap --prefix --root --help'; _bt_values='--jail --vm-dir --vm-dataset --preset --switch --host-tap --prefix --root'; _bt_files='--root'; _bt_jails='--jail'; _bt_guests=''; _bt_args='' ;;
  *) return 1 ;;
  esac
}

_bhyvetpl() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local _bt_subs _bt_flags _bt_values _bt_files _bt_jails _bt_guests _bt_args

  # Walk the words before the cursor: commands narrow the node, a flag that takes a value
  # skips it (--root and --jail are kept for the name look-up), the rest are arguments.
  _bhyvetpl_node ''
  local node='' w='' skip='' root='' jail='' kind=''
  local -i i=0 npos=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if [[ -n $skip ]]; then
      case $skip in --root) root=$w ;; --jail) jail=$w ;; esac
      skip=''
      continue
    fi
    if [[ " $_bt_values " == *" $w "* ]]; then skip=$w; continue; fi
    [[ $w == -* ]] && continue
    if [[ " $_bt_subs " == *" $w "* ]]; then
      node=${node:+$node }$w
      _bhyvetpl_node "$node"
      npos=0
    else
      [[ $npos -eq 0 && $_bt_args == jails* ]] && jail=$w
      npos+=1
    fi
  done
  if [[ -n $skip ]]; then
    if [[ " $_bt_jails " == *" $skip "* ]]; then kind=jails
    elif [[ " $_bt_guests " == *" $skip "* ]]; then kind=guests
    elif [[ " $_bt_files " == *" $skip "* ]]; then kind=files
    else kind=-
    fi
  elif [[ $cur == -* ]]; then kind=flags
  elif [[ -n $_bt_subs ]]; then kind=subs
  else
    local -a kinds=($_bt_args)
    kind=${kinds[npos]:-}
    if [[ -z $kind && ${kinds[-1]} == *... ]]; then kind=${kinds[-1]}; fi
    kind=${kind%...}
  fi
  local -a where=()  # the host the command line names, for the name look-up
  [[ -n $root ]] && where+=(--root "$root")
  [[ -n $jail ]] && where+=(--jail "$jail")

  COMPREPLY=()
  case $kind in
    flags) COMPREPLY=($(compgen -W "$_bt_flags" -- "$cur")) ;;
    subs) COMPREPLY=($(compgen -W "$_bt_subs" -- "$cur")) ;;
    jails|guests) COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" completion --names "$kind" "${where[@]}" 2>/dev/null)" -- "$cur")) ;;
    files) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
  esac
}
complete -F _bhyvetpl bhyvetpl
