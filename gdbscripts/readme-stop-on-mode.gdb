# readme-stop-on-mode.gdb - the README's "Stop at a CPU mode change" session
# on guests/counter64.S (checked by tests/e2e/readme_transcripts.sh).
#
#   ./kvmstub guests/counter64.bin
#   gdb -q guests/counter64.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234' \
#       -x gdbscripts/readme-stop-on-mode.gdb

monitor stop-on-mode on
continue
continue
continue
monitor stop-on-mode off
