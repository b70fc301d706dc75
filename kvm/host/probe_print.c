/*
 * probe_print.c - the host probe's report for a human (kvmstub --probe,
 * monitor info): a table per CPU mode, the host-wide facts, then in words
 * the debugging mechanism each capability gets on this host.
 */
#include "probe.h"

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static bool all_modes(const bool v[PROBE_NR_MODES])
{
	int m;

	for (m = 0; m < PROBE_NR_MODES; m++)
		if (!v[m])
			return false;
	return true;
}

static bool any_mode(const bool v[PROBE_NR_MODES])
{
	int m;

	for (m = 0; m < PROBE_NR_MODES; m++)
		if (v[m])
			return true;
	return false;
}

static void row(FILE *out, const char *what, const bool v[PROBE_NR_MODES])
{
	fprintf(out, "  %-36s %-6s %-10s %s\n", what, yes_no(v[PROBE_REAL]),
		yes_no(v[PROBE_PROTECTED]), yes_no(v[PROBE_LONG]));
}

static void print_mechanisms(const struct host_caps *c, FILE *out)
{
	fprintf(out, "mechanisms kvmstub uses on this host:\n");

	if (all_modes(c->sw_bp_intercepted))
		fprintf(out, "  software breakpoints: int3 (KVM_GUESTDBG_USE_SW_BP)\n");
	else if (any_mode(c->sw_bp_intercepted))
		fprintf(out, "  software breakpoints: int3 where it is intercepted, elsewhere "
			"debug registers while free, then single-step and compare the pc\n");
	else if (all_modes(c->hw_exec_bp))
		fprintf(out, "  software breakpoints: debug registers while free, then single-step "
			"and compare the pc (int3 is not intercepted here)\n");
	else
		fprintf(out, "  software breakpoints: single-step and compare the pc (int3 is not "
			"intercepted and debug registers do not fire here)\n");

	if (all_modes(c->hw_exec_bp))
		fprintf(out, "  hardware breakpoints: debug registers DR0-3 (4 at most)\n");
	else
		fprintf(out, "  hardware breakpoints: single-step and compare the pc "
			"(debug-register breakpoints do not fire here)\n");

	if (all_modes(c->hw_watch))
		fprintf(out, "  watchpoints: debug registers for write/access (4 at most), "
			"memory slots for read watchpoints and beyond four\n");
	else
		fprintf(out, "  watchpoints: memory slots (%s; debug-register watchpoints do "
			"not fire here)\n",
			c->readonly_mem ? "read-only pages for writes, absent pages for reads"
					: "absent pages");

	if (all_modes(c->single_step))
		fprintf(out, "  single step: KVM_GUESTDBG_SINGLESTEP%s\n",
			c->blockirq ? ", interrupts blocked while stepping (BLOCKIRQ)"
				    : "; interrupts may be taken while stepping (no BLOCKIRQ)");
	else
		fprintf(out, "  single step: not reliable on this host in every mode "
			"(see above)\n");
}

void probe__print(const struct host_caps *c, FILE *out)
{
	fprintf(out, "KVM host probe (%.1f ms)\n", c->elapsed_ms);
	fprintf(out, "  %-36s %-6s %-10s %s\n", "capability", "real", "protected", "long");
	row(out, "runs", c->runs);
	row(out, "single step", c->single_step);
	row(out, "hw execute breakpoint (DR0-3)", c->hw_exec_bp);
	row(out, "... RFLAGS.RF runs past it", c->hw_bp_rf);
	row(out, "hw data watchpoint (DR0-3)", c->hw_watch);
	row(out, "int3 intercepted (USE_SW_BP)", c->sw_bp_intercepted);
	row(out, "int3 -> internal error at the int3", c->int3_emulation_exit);
	fprintf(out, "  32-bit paging runs: %s;  BLOCKIRQ: %s;  READONLY_MEM: %s;  "
		"IMMEDIATE_EXIT: %s;  irqchip: %s;  vCPUs: %d recommended, %d max\n",
		yes_no(c->paging32_runs), yes_no(c->blockirq), yes_no(c->readonly_mem),
		yes_no(c->immediate_exit), yes_no(c->irqchip), c->nr_vcpus, c->max_vcpus);
	fprintf(out, "  host: %s\n", c->emulated ?
		"emulated (no VT-x/SVM in the CPU flags, or int3 never intercepted: "
		"nested kvm-pvm or similar)" : "hardware virtualization (VT-x/SVM)");
	print_mechanisms(c, out);
}
