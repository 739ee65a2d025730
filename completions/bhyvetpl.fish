# fish completion for bhyvetpl(8), bhyvetpl 0.1.0: `bhyvetpl completion fish` wrote it.
# A Tab press runs nothing but `bhyvetpl completion --names`, which only reads files.
function __bhyvetpl_names
    set -l words (commandline -opc)
    set -l where
    for i in (seq (math (count $words) - 1))
        if contains -- $words[$i] --root --jail
            set -a where $words[$i] $words[(math $i + 1)]
        end
    end
    $words[1] completion --names $argv[1] $where 2>/dev/null
end
complete -c bhyvetpl -f
complete -c bhyvetpl -n '__fish_use_subcommand' -a 'plan apply init demo new-guest lint doctor audit facts schema completion render import host jail bastille-plugin templates'
complete -c bhyvetpl -n '__fish_use_subcommand' -l debug
complete -c bhyvetpl -n '__fish_use_subcommand' -l version
complete -c bhyvetpl -n '__fish_use_subcommand' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from plan' -l file -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from plan' -l facts -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from plan' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from plan' -l emit -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from plan' -l output -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from plan' -l force
complete -c bhyvetpl -n '__fish_seen_subcommand_from plan' -l facts-dir -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from plan' -l live
complete -c bhyvetpl -n '__fish_seen_subcommand_from plan' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from apply' -l file -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from apply' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from apply' -l dry-run
complete -c bhyvetpl -n '__fish_seen_subcommand_from apply' -l emit -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from apply' -l prune
complete -c bhyvetpl -n '__fish_seen_subcommand_from apply' -l delete-disks -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from apply' -l restart
complete -c bhyvetpl -n '__fish_seen_subcommand_from apply' -l no-restart
complete -c bhyvetpl -n '__fish_seen_subcommand_from apply' -l live
complete -c bhyvetpl -n '__fish_seen_subcommand_from apply' -l output -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from apply' -l force
complete -c bhyvetpl -n '__fish_seen_subcommand_from apply' -l restart-network
complete -c bhyvetpl -n '__fish_seen_subcommand_from apply' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from init' -l file -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from init' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from init' -l facts -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from init' -l force
complete -c bhyvetpl -n '__fish_seen_subcommand_from init' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from demo' -l force
complete -c bhyvetpl -n '__fish_seen_subcommand_from demo' -l plan
complete -c bhyvetpl -n '__fish_seen_subcommand_from demo' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l preset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l loader -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l cpu -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l topology -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l memory -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l disk -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l size -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l nic -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l no-nic
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l switch -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l passthru -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l graphics
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l no-graphics
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l vnc-port -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l vnc-listen -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l vnc-res -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l vnc-wait -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l comport -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l uuid -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l debug
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l no-debug
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l iso -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l install
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l no-install
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l start
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l no-start
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l restart
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l no-restart
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l vm-dir -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l vm-dataset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l prefix -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l dry-run
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l emit -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l live
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l file -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from new-guest' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from lint' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from doctor' -l json
complete -c bhyvetpl -n '__fish_seen_subcommand_from doctor' -l ruleset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from doctor' -l jails-dir -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from doctor' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from doctor' -l facts -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from doctor' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from audit' -l json
complete -c bhyvetpl -n '__fish_seen_subcommand_from audit' -l jails-dir -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from audit' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from audit' -l facts -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from audit' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from facts' -l json
complete -c bhyvetpl -n '__fish_seen_subcommand_from facts' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from facts' -l load -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from facts' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from schema' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from completion' -l names -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from completion' -l jail -x -a '(__bhyvetpl_names jails)'
complete -c bhyvetpl -n '__fish_seen_subcommand_from completion' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from completion' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and not __fish_seen_subcommand_from guest jail host' -a 'guest jail host'
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and not __fish_seen_subcommand_from guest jail host' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l preset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l loader -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l cpu -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l topology -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l memory -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l disk -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l nic -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l no-nic
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l switch -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l passthru -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l graphics
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l no-graphics
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l vnc-port -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l vnc-listen -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l vnc-res -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l vnc-wait -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l comport -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l uuid -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l debug
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l no-debug
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l output -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l force
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from guest' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l release -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l ip -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l iface -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l vnet
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l shared
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l bridge -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l gateway -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l vm-dir -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l vm-dataset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l switch -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l ruleset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l ruleset-name -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l preset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l passthrough
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l no-passthrough
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l vmm-ppt
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l no-vmm-ppt
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l output -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l force
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from jail' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l jail -x -a '(__bhyvetpl_names jails)'
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l release -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l ruleset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l ruleset-name -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l guest -x -a '(__bhyvetpl_names guests)'
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l console
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l no-console
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l console-device -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l tap
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l no-tap
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l host-tap -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l uplink -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l zvol-dataset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l disk-device -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l uefi
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l no-uefi
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l uefi-guest -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l vnc-guest -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l limit-memory -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l isolation -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l passthru -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l vmm-ppt
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l no-vmm-ppt
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l dhcp
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l no-dhcp
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l vnet
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l no-vnet
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l nat -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l output -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l force
complete -c bhyvetpl -n '__fish_seen_subcommand_from render; and __fish_seen_subcommand_from host' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from import; and not __fish_seen_subcommand_from vmrun' -a 'vmrun'
complete -c bhyvetpl -n '__fish_seen_subcommand_from import; and not __fish_seen_subcommand_from vmrun' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from import; and __fish_seen_subcommand_from vmrun' -l switch -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from import; and __fish_seen_subcommand_from vmrun' -l cwd -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from import; and __fish_seen_subcommand_from vmrun' -l release -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from import; and __fish_seen_subcommand_from vmrun' -l output -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from import; and __fish_seen_subcommand_from vmrun' -l force
complete -c bhyvetpl -n '__fish_seen_subcommand_from import; and __fish_seen_subcommand_from vmrun' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and not __fish_seen_subcommand_from prepare' -a 'prepare'
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and not __fish_seen_subcommand_from prepare' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l jail -x -a '(__bhyvetpl_names jails)'
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l release -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l ruleset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l ruleset-name -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l guest -x -a '(__bhyvetpl_names guests)'
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l console
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l no-console
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l console-device -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l tap
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l no-tap
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l host-tap -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l uplink -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l zvol-dataset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l disk-device -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l uefi
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l no-uefi
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l uefi-guest -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l vnc-guest -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l limit-memory -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l isolation -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l passthru -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l vmm-ppt
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l no-vmm-ppt
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l dhcp
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l no-dhcp
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l vnet
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l no-vnet
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l nat -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l dry-run
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l emit -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l file -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l live
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l restart-network
complete -c bhyvetpl -n '__fish_seen_subcommand_from host; and __fish_seen_subcommand_from prepare' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and not __fish_seen_subcommand_from create apply' -a 'create apply'
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and not __fish_seen_subcommand_from create apply' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l release -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l ip -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l iface -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l vnet
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l shared
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l bridge -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l gateway -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l vm-dir -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l vm-dataset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l switch -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l ruleset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l ruleset-name -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l preset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l passthrough
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l no-passthrough
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l vmm-ppt
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l no-vmm-ppt
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l prefix -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l dry-run
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l emit -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l restart
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l no-restart
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l live
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l file -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from create' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l release -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l ip -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l iface -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l vnet
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l shared
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l bridge -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l gateway -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l vm-dir -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l vm-dataset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l switch -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l ruleset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l ruleset-name -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l preset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l passthrough
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l no-passthrough
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l vmm-ppt
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l no-vmm-ppt
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l template -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l prefix -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l dry-run
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l emit -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l restart
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l no-restart
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l live
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l file -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from jail; and __fish_seen_subcommand_from apply' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from bastille-plugin; and not __fish_seen_subcommand_from install uninstall' -a 'install uninstall'
complete -c bhyvetpl -n '__fish_seen_subcommand_from bastille-plugin; and not __fish_seen_subcommand_from install uninstall' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from bastille-plugin; and __fish_seen_subcommand_from install' -l sharedir -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from bastille-plugin; and __fish_seen_subcommand_from install' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from bastille-plugin; and __fish_seen_subcommand_from install' -l dry-run
complete -c bhyvetpl -n '__fish_seen_subcommand_from bastille-plugin; and __fish_seen_subcommand_from install' -l emit -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from bastille-plugin; and __fish_seen_subcommand_from install' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from bastille-plugin; and __fish_seen_subcommand_from uninstall' -l sharedir -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from bastille-plugin; and __fish_seen_subcommand_from uninstall' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from bastille-plugin; and __fish_seen_subcommand_from uninstall' -l dry-run
complete -c bhyvetpl -n '__fish_seen_subcommand_from bastille-plugin; and __fish_seen_subcommand_from uninstall' -l emit -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from bastille-plugin; and __fish_seen_subcommand_from uninstall' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and not __fish_seen_subcommand_from install list' -a 'install list'
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and not __fish_seen_subcommand_from install list' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from install' -l jail -x -a '(__bhyvetpl_names jails)'
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from install' -l vm-dir -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from install' -l vm-dataset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from install' -l preset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from install' -l switch -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from install' -l host-tap -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from install' -l prefix -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from install' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from install' -l dry-run
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from install' -l emit -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from install' -l live
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from install' -l help
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from list' -l jail -x -a '(__bhyvetpl_names jails)'
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from list' -l vm-dir -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from list' -l vm-dataset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from list' -l preset -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from list' -l switch -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from list' -l host-tap -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from list' -l prefix -x
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from list' -l root -r -F
complete -c bhyvetpl -n '__fish_seen_subcommand_from templates; and __fish_seen_subcommand_from list' -l help
