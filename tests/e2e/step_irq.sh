# Stepping with a timer interrupt pending (issue 4): stepi in the
# interrupts guest's main loop never lands in timer_handler, because
# steps are taken with KVM_GUESTDBG_BLOCKIRQ; after `monitor step-irq on`
# a step does enter the handler; `monitor step-irq off` blocks it again.
# The PIT ticks every 10 ms and gdb sleeps 50 ms before each series, so an
# interrupt is certainly pending at the first step.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
"$KVMSTUB" --probe | grep -q 'irqchip: yes' ||
	skip "this host's KVM has no in-kernel interrupt controller (KVM_CAP_IRQCHIP)"
"$KVMSTUB" --probe | grep -q 'BLOCKIRQ: yes' ||
	skip "this host's KVM has no KVM_GUESTDBG_BLOCKIRQ: steps may enter interrupt handlers"
ELF=guests/interrupts.elf
ml=$(sym "$ELF" main_loop)
mle=$(sym "$ELF" main_loop_end)
th=$(sym "$ELF" timer_handler)
the=$(sym "$ELF" timer_handler_end)
ticks=$(sym "$ELF" ticks)
daemon_start guests/interrupts.bin
gdb_run "$T/g" "$ELF" <<EOF
define to_main_loop
  break *$ml
  continue
  delete
  shell sleep 0.05
end
define steps_outside_main_loop
  set \$i = 0
  set \$out = 0
  while \$i < \$arg0
    stepi
    if \$pc < $ml || \$pc > $mle
      set \$out = \$out + 1
    end
    set \$i = \$i + 1
  end
end
to_main_loop
set \$t0 = *(int *)$ticks
steps_outside_main_loop 200
printf "RESULT blocked: %d of 200 steps outside main_loop, ticks %d -> %d\n", \$out, \$t0, *(int *)$ticks
monitor step-irq on
shell sleep 0.05
set \$i = 0
set \$in = 0
while \$i < 50 && !\$in
  stepi
  if \$pc >= $th && \$pc < $the
    set \$in = \$i + 1
  end
  set \$i = \$i + 1
end
printf "RESULT step-irq on: in timer_handler at step %d\n", \$in
monitor step-irq off
to_main_loop
steps_outside_main_loop 50
printf "RESULT off again: %d of 50 steps outside main_loop\n", \$out
EOF
grep -v '^=>\|^0x000f' "$T/g"
expect "$T/g" '^RESULT blocked: 0 of 200 steps outside main_loop, ticks 0 -> 0$' \
	"a step entered the interrupt handler with step-irq off"
expect "$T/g" '^step-irq on: interrupts may be taken' "monitor step-irq on"
expect "$T/g" '^RESULT step-irq on: in timer_handler at step [1-9][0-9]*$' \
	"with step-irq on no step entered timer_handler"
expect "$T/g" '^RESULT off again: 0 of 50 steps outside main_loop$' \
	"a step entered the handler after step-irq off"
# The handler entered during a step returned cleanly: KVM's single-step TF
# did not leak into the guest through the interrupt frame (no #DB).
expect "$T/g" "^Breakpoint 2, $(printf '0x%08x' "$ml") in main_loop" \
	"the guest did not get back to main_loop after the handler entered by a step"
expect_not "$T/daemon.out" '^exception' "the guest took an exception after step-irq"
echo "step_irq: ok"
