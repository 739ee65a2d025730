# Type $LINE and a Tab into a real interactive zsh on a pseudo-terminal (zpty); the
# .zshrc beside this file ($ZDOTDIR) loads compinit and logs each match to $OUT.
# Keys are read in order, so the completion has finished when `print __DONE__` runs.
[[ -n $ZSH_MODULES ]] && module_path=($ZSH_MODULES $module_path)
zmodload zsh/zpty || exit 3
zpty z "$ZSH_BIN" -i
wait_for() {
  local got='' all=''
  integer n=0
  while (( ++n < 600 )); do
    if zpty -r -t z got; then all+=$got; [[ $all == *$1* ]] && return 0; else sleep 0.05; fi
  done
  print -r -- "timed out waiting for $1: $all" >&2
  return 1
}
zpty -w z 'print -- __READY""__'
wait_for __READY__ || exit 4
zpty -w -n z "$LINE"$'\t'
zpty -w z $'\C-u''print -- __DONE""__'
wait_for __DONE__ || exit 5
zpty -d z
