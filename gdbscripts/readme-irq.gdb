# readme-irq.gdb - monitor pic, pit and lapic in README.md, checked by
# tests/e2e/readme_transcripts.sh: interrupts.S in its timer handler.
break *timer_handler
continue
monitor pic
monitor pit
monitor lapic
