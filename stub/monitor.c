/*
 * monitor.c - gdb's "monitor CMD": one table of commands, each a handler
 * that writes human-readable text into a bounded buffer.  The session
 * sends that text to gdb as 'O' packets; nothing here touches a socket.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "monitor.h"
#include "monitor_priv.h"
#include "pagetable.h"
#include "regs.h"
#include "session.h"
#include "sysview.h"


MON_HANDLER(cmd_help);
MON_HANDLER(cmd_info);
MON_HANDLER(cmd_reset);
MON_HANDLER(cmd_regs);
MON_HANDLER(cmd_mode);
MON_HANDLER(cmd_sregs);
MON_HANDLER(cmd_gdt);
MON_HANDLER(cmd_idt);
MON_HANDLER(cmd_xlate);
MON_HANDLER(cmd_pagetable);
MON_HANDLER(cmd_phys);
MON_HANDLER(cmd_step_irq);
MON_HANDLER(cmd_stop_on_mode);
MON_HANDLER(cmd_sw_break);
MON_HANDLER(cmd_step_rep);
MON_HANDLER(cmd_msr);
MON_HANDLER(cmd_lapic);
MON_HANDLER(cmd_pic);
MON_HANDLER(cmd_pit);
MON_HANDLER(cmd_screen);
MON_HANDLER(cmd_key);
MON_HANDLER(cmd_sendkey);

static const struct mon_cmd mon_cmds[] = {
	{ "help", "", "list the monitor commands", cmd_help },
	{ "info", "", "the machine, the mechanisms chosen for this host, exits so far", cmd_info },
	{ "reset", "[quiet]", "power-on reset: vCPUs back at the reset vector", cmd_reset },
	{ "regs", "", "CS:IP, linear pc, mode, general registers, eflags", cmd_regs },
	{ "mode", "", "the CPU mode and the CR0/CR4/EFER bits behind it", cmd_mode },
	{ "sregs", "", "segment registers with their hidden descriptor caches", cmd_sregs },
	{ "gdt", "", "decode the global descriptor table", cmd_gdt },
	{ "idt", "", "decode the interrupt descriptor table (or real-mode IVT)", cmd_idt },
	{ "xlate", "ADDR|SEL:OFF", "translate to linear and guest-physical (hex)", cmd_xlate },
	{ "pagetable", "", "the mapped linear ranges of the page tables, merged", cmd_pagetable },
	{ "msr", "read|write|list", "model-specific registers: read MSR, write MSR VALUE (hex), "
	  "list the names", cmd_msr },
	{ "lapic", "", "each vCPU's local APIC: IDs, ISR/IRR/TMR, LVT, timer, ICR", cmd_lapic },
	{ "pic", "", "the 8259 pair: IRR, ISR, IMR, vector bases", cmd_pic },
	{ "pit", "", "the 8254 timer's channels: mode, counts, gate", cmd_pit },
	{ "phys", "[on|off]", "memory packets use guest-physical instead of linear addresses",
	  cmd_phys },
	{ "step-irq", "[on|off]", "let interrupts in while single-stepping", cmd_step_irq },
	{ "stop-on-mode", "[on|off]", "continue stops at the next CPU mode change (slow: steps)",
	  cmd_stop_on_mode },
	{ "sw-break", "[auto|int3|dr]", "software breakpoints: the host's best, 0xCC bytes, or "
	  "debug registers", cmd_sw_break },
	{ "step-rep", "[iteration|whole]", "a stepi on a rep string instruction runs one "
	  "iteration (as the CPU) or all of them", cmd_step_rep },
	{ "screen", "[ansi]", "the 80x25 text screen (0xb8000), with ANSI colours if asked",
	  cmd_screen },
	{ "key", "TEXT", "type TEXT on the keyboard (\\n Enter, \\t Tab, \\b, \\e Esc, \\\\)",
	  cmd_key },
	{ "sendkey", "KEY[-KEY...]", "press keys together, release them: ctrl-alt-del, f1, up",
	  cmd_sendkey },
	{ "snapshot", "VERB [NAME]", "the whole machine by name: save, restore, delete NAME; "
	  "list; write NAME FILE", monitor__snapshot },
	{ "record", "on|off|status|limit N", "log each instruction for reverse-stepi and "
	  "reverse-continue (one vCPU)", monitor__record },
};

#define NR_MON_CMDS (sizeof(mon_cmds) / sizeof(mon_cmds[0]))

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The argument string without trailing blanks or newline, into buf. */
static const char *trim(const char *args, char *buf, size_t cap)
{
	size_t n = strlen(args);

	while (n > 0 && (is_blank(args[n - 1]) || args[n - 1] == '\n' || args[n - 1] == '\r'))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, args, n);
	buf[n] = '\0';
	return buf;
}

static struct target *tgt(struct session *s)
{
	return s->target;
}

static int get_regs(struct session *s, struct target_regs *r, struct mon_out *o)
{
	int ret = tgt(s)->ops->get_regs(tgt(s), s->g_cpu, r);

	if (ret < 0)
		monitor__print(o, "cannot read the registers of vCPU %d: %s\n", s->g_cpu,
			  strerror(-ret));
	return ret;
}

static int cmd_help(struct session *s, const struct mon_cmd *cmd, const char *args,
		    struct mon_out *o)
{
	size_t width = 0;

	(void)s;
	if (args[0])
		return monitor__usage(cmd, o);
	for (size_t i = 0; i < NR_MON_CMDS; i++) {
		size_t w = strlen(mon_cmds[i].name) + 1 + strlen(mon_cmds[i].args);

		if (w > width)
			width = w;
	}
	monitor__print(o, "kvmstub monitor commands (gdb: monitor COMMAND):\n");
	for (size_t i = 0; i < NR_MON_CMDS; i++) {
		const struct mon_cmd *c = &mon_cmds[i];
		int pad = (int)(width - strlen(c->name));

		monitor__print(o, "  %s %-*s  %s\n", c->name, pad - 1, c->args, c->help);
	}
	return 0;
}

static int cmd_info(struct session *s, const struct mon_cmd *cmd, const char *args,
		    struct mon_out *o)
{
	struct target *t = tgt(s);
	int ret;

	if (args[0])
		return monitor__usage(cmd, o);
	if (!t->ops->describe) {
		monitor__print(o, "this target has no description\n");
		return 0;
	}
	ret = t->ops->describe(t, o->p + o->len, o->cap - o->len);
	if (ret < 0) {
		monitor__print(o, "cannot describe the machine: %s\n", strerror(-ret));
		return ret;
	}
	o->len += strnlen(o->p + o->len, o->cap - o->len - 1);
	o->p[o->len] = '\0';
	if (o->len > 0 && o->p[o->len - 1] != '\n')
		monitor__print(o, "\n");
	return 0;
}

static int cmd_reset(struct session *s, const struct mon_cmd *cmd, const char *args,
		     struct mon_out *o)
{
	struct target *t = tgt(s);
	struct target_regs r;
	int ret;

	bool quiet = strcmp(args, "quiet") == 0;

	if (args[0] && !quiet)
		return monitor__usage(cmd, o);
	ret = t->ops->reset(t);
	if (ret < 0) {
		monitor__print(o, "machine reset failed: %s\n", strerror(-ret));
		return ret;
	}
	session__machine_reset(s);
	ret = get_regs(s, &r, o);
	if (ret < 0)
		return ret;
	monitor__print(o, "machine reset: vCPUs at the reset vector %04x:%04llx (linear 0x%08llx)\n",
		  r.seg[SEG_CS].selector, (unsigned long long)r.rip,
		  (unsigned long long)regs__linear_pc(&r));
	/* gdb caches registers and memory while the target is stopped.  The
	 * script's reset flushes them itself, and says quiet. */
	if (!quiet)
		monitor__print(o, "gdb still shows its cached registers: run 'maint flush "
			  "register-cache' (gdbscripts/kvmstub.gdb's 'reset' does both)\n");
	return 0;
}

/* Take the text a sysview decoder wrote into the rest of the buffer. */
static size_t take_text(struct mon_out *o)
{
	size_t n = strnlen(o->p + o->len, o->cap - o->len - 1);

	o->len += n;
	o->p[o->len] = '\0';
	return n;
}

/* A sysview decoder into the rest of the buffer.  On failure its own
 * explanation is kept; without one, say what failed. */
static int show(struct session *s, struct mon_out *o, const char *what,
		int (*fn)(struct target *t, int cpu, char *out, size_t cap))
{
	int ret = fn(tgt(s), s->g_cpu, o->p + o->len, o->cap - o->len);

	if (take_text(o) == 0 && ret < 0)
		monitor__print(o, "%s: %s\n", what, strerror(-ret));
	return ret < 0 ? ret : 0;
}

static int cmd_mode(struct session *s, const struct mon_cmd *cmd, const char *args,
		    struct mon_out *o)
{
	if (args[0])
		return monitor__usage(cmd, o);
	return show(s, o, "cannot show the CPU mode", sysview__show_mode);
}

static int cmd_sregs(struct session *s, const struct mon_cmd *cmd, const char *args,
		     struct mon_out *o)
{
	if (args[0])
		return monitor__usage(cmd, o);
	return show(s, o, "cannot show the segment registers", sysview__show_sregs);
}

static int cmd_gdt(struct session *s, const struct mon_cmd *cmd, const char *args,
		   struct mon_out *o)
{
	if (args[0])
		return monitor__usage(cmd, o);
	return show(s, o, "cannot read the GDT", sysview__show_gdt);
}

static int cmd_idt(struct session *s, const struct mon_cmd *cmd, const char *args,
		   struct mon_out *o)
{
	if (args[0])
		return monitor__usage(cmd, o);
	return show(s, o, "cannot read the IDT", sysview__show_idt);
}

static int cmd_xlate(struct session *s, const struct mon_cmd *cmd, const char *args,
		     struct mon_out *o)
{
	const char *arg = args;
	int ret;

	if (!arg[0] || strpbrk(arg, " \t"))
		return monitor__usage(cmd, o);
	ret = sysview__show_xlate(tgt(s), s->g_cpu, arg, o->p + o->len, o->cap - o->len);
	if (take_text(o) == 0 && ret < 0) {
		if (ret == -EINVAL)
			monitor__print(o, "xlate: cannot parse '%s' as a hex ADDR or SEL:OFF\n", arg);
		else
			monitor__print(o, "cannot translate %s: %s\n", arg, strerror(-ret));
	}
	if (ret == -EINVAL)
		return monitor__usage(cmd, o);
	return ret < 0 ? ret : 0;
}

static int cmd_pagetable(struct session *s, const struct mon_cmd *cmd, const char *args,
			 struct mon_out *o)
{
	if (args[0])
		return monitor__usage(cmd, o);
	return show(s, o, "cannot walk the page tables", pagetable__show);
}

/*
 * "read MSR", "write MSR VALUE", "list": MSR a name (IA32_EFER, efer) or
 * a hex address, VALUE hex.  The vCPU is gdb's current thread.
 */
static int cmd_msr(struct session *s, const struct mon_cmd *cmd, const char *args,
		   struct mon_out *o)
{
	char verb[8], a1[64], a2[64], extra[2];
	int n = sscanf(args, "%7s %63s %63s %1s", verb, a1, a2, extra);
	int ret;

	if (n == 1 && strcmp(verb, "list") == 0)
		ret = sysview__show_msr_list(tgt(s), s->g_cpu, o->p + o->len, o->cap - o->len);
	else if (n == 2 && strcmp(verb, "read") == 0)
		ret = sysview__show_msr_read(tgt(s), s->g_cpu, a1, o->p + o->len, o->cap - o->len);
	else if (n == 3 && strcmp(verb, "write") == 0)
		ret = sysview__show_msr_write(tgt(s), s->g_cpu, a1, a2, o->p + o->len,
					      o->cap - o->len);
	else
		return monitor__usage(cmd, o);
	if (take_text(o) == 0 && ret < 0)
		monitor__print(o, "msr: %s\n", strerror(-ret));
	if (ret == -EINVAL)
		return monitor__usage(cmd, o);
	return ret < 0 ? ret : 0;
}

/* A decoder of the whole machine (not one vCPU) into the rest of the buffer. */
static int show_machine(struct session *s, struct mon_out *o, const char *what,
			int (*fn)(struct target *t, char *out, size_t cap))
{
	int ret = fn(tgt(s), o->p + o->len, o->cap - o->len);

	if (take_text(o) == 0 && ret < 0)
		monitor__print(o, "%s: %s\n", what, strerror(-ret));
	return ret < 0 ? ret : 0;
}

static int cmd_lapic(struct session *s, const struct mon_cmd *cmd, const char *args,
		     struct mon_out *o)
{
	if (args[0])
		return monitor__usage(cmd, o);
	return show_machine(s, o, "cannot show the local APICs", sysview__show_lapic);
}

static int cmd_pic(struct session *s, const struct mon_cmd *cmd, const char *args,
		   struct mon_out *o)
{
	if (args[0])
		return monitor__usage(cmd, o);
	return show_machine(s, o, "cannot show the PICs", sysview__show_pic);
}

static int cmd_pit(struct session *s, const struct mon_cmd *cmd, const char *args,
		   struct mon_out *o)
{
	if (args[0])
		return monitor__usage(cmd, o);
	return show_machine(s, o, "cannot show the PIT", sysview__show_pit);
}

/* "on" / "off" -> 1 / 0, anything else -1. */
static int parse_on_off(const char *arg)
{
	if (strcmp(arg, "on") == 0)
		return 1;
	if (strcmp(arg, "off") == 0)
		return 0;
	return -1;
}

static int cmd_phys(struct session *s, const struct mon_cmd *cmd, const char *args,
		    struct mon_out *o)
{
	int on = parse_on_off(args);

	if (args[0] && on < 0)
		return monitor__usage(cmd, o);
	if (on >= 0)
		s->physical = on;
	monitor__print(o, "phys %s: memory packets use %s addresses\n", s->physical ? "on" : "off",
		  s->physical ? "guest-physical" : "linear");
	return 0;
}

/*
 * A boolean switch of the target, named like its monitor command: set it
 * (and remember it) and say what it means now; with no argument, say
 * what it is.
 */
static int target_switch(struct session *s, const struct mon_cmd *cmd, const char *args,
			 struct mon_out *o, bool *current, const char *on_means,
			 const char *off_means)
{
	struct target *t = tgt(s);
	int on = parse_on_off(args);
	int ret;

	if (args[0] && on < 0)
		return monitor__usage(cmd, o);
	if (!t->ops->set_option) {
		monitor__print(o, "%s is not supported by this target\n", cmd->name);
		return -EOPNOTSUPP;
	}
	if (on >= 0) {
		ret = t->ops->set_option(t, cmd->name, on);
		if (ret == -ENOENT || ret == -EOPNOTSUPP) {
			monitor__print(o, "%s is not supported by this target\n", cmd->name);
			return -EOPNOTSUPP;
		}
		if (ret < 0) {
			monitor__print(o, "cannot set %s: %s\n", cmd->name, strerror(-ret));
			return ret;
		}
		*current = on;
	}
	monitor__print(o, "%s %s: %s\n", cmd->name, *current ? "on" : "off",
		  *current ? on_means : off_means);
	return 0;
}

static int cmd_step_irq(struct session *s, const struct mon_cmd *cmd, const char *args,
			struct mon_out *o)
{
	return target_switch(s, cmd, args, o, &s->switches.step_irq,
			     "interrupts may be taken while single-stepping",
			     "interrupts are held off while single-stepping");
}

static int cmd_stop_on_mode(struct session *s, const struct mon_cmd *cmd, const char *args,
			    struct mon_out *o)
{
	return target_switch(s, cmd, args, o, &s->switches.stop_on_mode,
			     "continue single-steps and stops where CR0.PE/PG, EFER.LMA or CS.L change",
			     "continue runs at full speed");
}

/*
 * What a software breakpoint (Z0) becomes.  The target has two switches,
 * "sw-break-int3" and "sw-break-dr"; either one off means auto.  Only with
 * no software breakpoint inserted: gdb removes its breakpoints whenever the
 * guest stops, unless 'set breakpoint always-inserted on'.  With no
 * argument: the mode last set (auto at power-on).
 */
static int cmd_sw_break(struct session *s, const struct mon_cmd *cmd, const char *args,
			struct mon_out *o)
{
	static const struct {
		const char *arg, *option;
		bool on;
		const char *means;
	} modes[] = {	/* in the order of session_switches.sw_break */
		{ "auto", "sw-break-int3", false,
		  "the mechanism the start-up probe chose (monitor info)" },
		{ "int3", "sw-break-int3", true,
		  "0xCC bytes in guest memory wherever this host stops at an int3; "
		  "elsewhere (real mode on some hosts) debug registers" },
		{ "dr", "sw-break-dr", true,
		  "debug registers, then single-step and compare the pc; guest memory untouched" },
	};
	struct target *t = tgt(s);
	int ret;

	if (!args[0]) {
		size_t i = s->switches.sw_break < 3 ? s->switches.sw_break : 0;

		if (!t->ops->set_option) {
			monitor__print(o, "sw-break is not supported by this target\n");
			return -EOPNOTSUPP;
		}
		monitor__print(o, "sw-break %s: software breakpoints are %s\n", modes[i].arg,
			  modes[i].means);
		return 0;
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(args, modes[i].arg) != 0)
			continue;
		ret = t->ops->set_option ? t->ops->set_option(t, modes[i].option, modes[i].on) :
			-ENOENT;
		if (ret == -ENOENT) {
			monitor__print(o, "sw-break is not supported by this target\n");
			return -EOPNOTSUPP;
		}
		if (ret == -EBUSY) {
			monitor__print(o, "cannot switch sw-break while software breakpoints are "
				  "inserted or the guest runs: delete them first\n");
			return ret;
		}
		if (ret == -EOPNOTSUPP) {
			monitor__print(o, "sw-break %s: this host stops at an int3 in no CPU mode "
				  "(kvmstub --probe)\n", modes[i].arg);
			return ret;
		}
		if (ret < 0) {
			monitor__print(o, "cannot set sw-break %s: %s\n", modes[i].arg, strerror(-ret));
			return ret;
		}
		s->switches.sw_break = (uint8_t)i;
		monitor__print(o, "sw-break %s: software breakpoints are %s\n", modes[i].arg,
			  modes[i].means);
		return 0;
	}
	return monitor__usage(cmd, o);
}

/* What a stepi does on rep movs/stos/...: the target's "step-rep-whole". */
static int cmd_step_rep(struct session *s, const struct mon_cmd *cmd, const char *args,
			struct mon_out *o)
{
	struct target *t = tgt(s);
	bool whole = strcmp(args, "whole") == 0;
	int ret;

	if (!t->ops->set_option) {
		monitor__print(o, "step-rep is not supported by this target\n");
		return -EOPNOTSUPP;
	}
	if (!args[0]) {
		whole = s->switches.step_rep_whole;
	} else if (!whole && strcmp(args, "iteration") != 0) {
		return monitor__usage(cmd, o);
	} else {
		ret = t->ops->set_option(t, "step-rep-whole", whole);
		if (ret == -ENOENT || ret == -EOPNOTSUPP) {
			monitor__print(o, "step-rep is not supported by this target\n");
			return -EOPNOTSUPP;
		}
		if (ret < 0) {
			monitor__print(o, "cannot set step-rep: %s\n", strerror(-ret));
			return ret;
		}
		s->switches.step_rep_whole = whole;
	}
	monitor__print(o, "step-rep %s: %s\n", whole ? "whole" : "iteration", whole ?
		  "a stepi on a rep string instruction runs all its iterations" :
		  "a stepi on a rep string instruction runs one iteration, as the CPU's "
		  "single-step trap does (the pc stays on the rep until the count is done)");
	return 0;
}

static int cmd_screen(struct session *s, const struct mon_cmd *cmd, const char *args,
		      struct mon_out *o)
{
	struct target *t = tgt(s);
	bool ansi = strcmp(args, "ansi") == 0;
	int ret;

	if (args[0] && !ansi)
		return monitor__usage(cmd, o);
	if (!t->ops->screen) {
		monitor__print(o, "this target has no screen\n");
		return -EOPNOTSUPP;
	}
	ret = t->ops->screen(t, ansi, o->p + o->len, o->cap - o->len);
	if (ret < 0) {
		monitor__print(o, "cannot show the screen: %s\n", strerror(-ret));
		return ret;
	}
	take_text(o);
	return 0;
}

/* The keys of monitor key TEXT: C's escapes \n \t \b \e \\ (gdb passes
 * the line as typed). */
static size_t unescape(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 1 < cap; in++) {
		char c = *in;

		if (c == '\\' && in[1]) {
			switch (*++in) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'b': c = '\b'; break;
			case 'e': c = 0x1b; break;
			case 's': c = ' '; break;
			default: c = *in; break;
			}
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return n;
}

static int send_keys(struct session *s, const struct mon_cmd *cmd, const char *keys,
		     size_t len, bool named, struct mon_out *o)
{
	struct target *t = tgt(s);
	char err[256];
	int ret;

	if (!t->ops->send_keys) {
		monitor__print(o, "this target has no keyboard\n");
		return -EOPNOTSUPP;
	}
	ret = t->ops->send_keys(t, keys, len, named, err, sizeof(err));
	if (ret == -EINVAL) {
		monitor__print(o, "monitor %s: %s\n", cmd->name, err);
		return ret;
	}
	if (ret < 0) {
		monitor__print(o, "monitor %s: %s\n", cmd->name, strerror(-ret));
		return ret;
	}
	monitor__print(o, "%s: %zu key%s queued for the keyboard (IRQ 1)\n", cmd->name,
		  named ? 1 : len, named || len == 1 ? "" : "s");
	return 0;
}

static int cmd_key(struct session *s, const struct mon_cmd *cmd, const char *args,
		   struct mon_out *o)
{
	char keys[256];
	size_t n;

	if (!args[0])
		return monitor__usage(cmd, o);
	n = unescape(args, keys, sizeof(keys));
	return send_keys(s, cmd, keys, n, false, o);
}

static int cmd_sendkey(struct session *s, const struct mon_cmd *cmd, const char *args,
		       struct mon_out *o)
{
	if (!args[0] || strpbrk(args, " \t"))
		return monitor__usage(cmd, o);
	return send_keys(s, cmd, args, strlen(args), true, o);
}

static int cmd_regs(struct session *s, const struct mon_cmd *cmd, const char *args,
		    struct mon_out *o)
{
	static const char *const gpr_names[8] = {
		"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
	};
	static const char *const seg_names[6] = { "cs", "ss", "ds", "es", "fs", "gs" };
	enum cpu_mode mode;
	struct target_regs r;
	char flags[160];
	int ret;

	if (args[0])
		return monitor__usage(cmd, o);
	ret = get_regs(s, &r, o);
	if (ret < 0)
		return ret;
	mode = sysview__mode(&r);
	/* Real mode reads best as the 16-bit seg:off a learner writes. */
	monitor__print(o, mode == MODE_REAL ? "CS:IP %04x:%04llx" : "CS:EIP %04x:%08llx",
		  r.seg[SEG_CS].selector, (unsigned long long)(r.rip & 0xffffffff));
	monitor__print(o, " linear 0x%08llx  mode %s\n", (unsigned long long)regs__linear_pc(&r),
		  sysview__mode_name(mode));
	for (int i = 0; i < 8; i++)
		monitor__print(o, "%s %08llx%s", gpr_names[i],
			  (unsigned long long)(r.gpr[i] & 0xffffffff), i % 4 == 3 ? "\n" : "  ");
	for (int i = 0; i < 6; i++)
		monitor__print(o, "%s %04x%s", seg_names[i], r.seg[i].selector, i == 5 ? "\n" : "  ");
	regs__eflags_str(r.rflags, flags, sizeof(flags));
	monitor__print(o, "eflags %08llx %s\n", (unsigned long long)(r.rflags & 0xffffffff), flags);
	return 0;
}

int monitor__run(struct session *s, const char *line, char *out, size_t cap)
{
	struct mon_out o = { .p = out, .cap = cap };
	char rest[256];
	size_t n;

	if (cap == 0)
		return -EINVAL;
	out[0] = '\0';
	while (is_blank(*line))
		line++;
	for (n = 0; line[n] && !is_blank(line[n]) && line[n] != '\n'; n++)
		;
	for (size_t i = 0; i < NR_MON_CMDS; i++) {
		const struct mon_cmd *c = &mon_cmds[i];
		const char *args = line + n;

		if (strlen(c->name) != n || strncmp(c->name, line, n) != 0)
			continue;
		while (is_blank(*args))
			args++;
		if (strlen(args) >= sizeof(rest)) {
			monitor__print(&o, "monitor %s: arguments too long\n", c->name);
			return -EINVAL;
		}
		return c->run(s, c, trim(args, rest, sizeof(rest)), &o);
	}
	if (n == 0) {
		monitor__print(&o, "no monitor command given; try 'monitor help'\n");
		return -EINVAL;
	}
	monitor__print(&o, "unknown monitor command '%.*s'; try 'monitor help'\n",
		  n > 64 ? 64 : (int)n, line);
	return -ENOENT;
}
