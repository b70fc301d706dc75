# readme-monitor.gdb - the monitor command list in README.md, checked by
# tests/e2e/readme_transcripts.sh.
monitor help
