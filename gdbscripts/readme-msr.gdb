# readme-msr.gdb - monitor msr in README.md, checked by
# tests/e2e/readme_transcripts.sh: long.S in 64-bit code, its EFER, an MSR
# written and read back, the names, and one KVM refuses (an error, which
# ends the command file).
break *lm_entry
continue
monitor msr read efer
monitor msr write IA32_LSTAR 0xffffffff81000000
monitor msr read c0000082
monitor msr list
monitor msr read 0x12345
