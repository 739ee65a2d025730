#!/bin/sh
# bhyvetpl plugin for Bastille: `bastille plugin bhyvetpl render-jail ARGS...`
# runs `bhyvetpl render jail ARGS...`, with ARGS unchanged (bhyvetpl checks them; see --help).
# Written by `bhyvetpl bastille-plugin install`; `bhyvetpl bastille-plugin uninstall`
# removes it as long as it is unchanged.
exec bhyvetpl render jail "$@"
