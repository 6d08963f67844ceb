# Shared by the .ci scripts: `step "title"` prints a section header, so a log reads as a list of named steps.
step() { printf '\n== %s\n' "$*"; }
