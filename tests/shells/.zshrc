# The interactive zsh of tests/shells/zsh_complete.zsh: an unpacked zsh's own directories,
# the script under test first on $fpath, and compadd logging what completion offers.
[[ -n $ZSH_MODULES ]] && module_path=($ZSH_MODULES $module_path)
[[ -n $ZSH_FUNCTIONS ]] && fpath=(${(s.:.)ZSH_FUNCTIONS} $fpath)
fpath=($COMPDIR $fpath)
PS1='' PROMPT='' RPROMPT=''
autoload -Uz compinit && compinit -u -D
compadd () {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  typeset -a __hits
  builtin compadd -A __hits "$@"
  print -rl -- $__hits >> $OUT
  builtin compadd "$@"
}
