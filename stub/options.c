/* options.c - strict parsing of kvmstub's command line. */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../kvm/machine.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int options__parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -EINVAL;
	}
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int options__parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *suffix; unsigned shift; } units[] = {
		{ "", 0 }, { "B", 0 },
		{ "K", 10 }, { "KB", 10 }, { "KiB", 10 },
		{ "M", 20 }, { "MB", 20 }, { "MiB", 20 },
		{ "G", 30 }, { "GB", 30 }, { "GiB", 30 },
	};
	char num[32];
	size_t n = 0;
	uint64_t v;
	int ret;

	if (!s)
		return -EINVAL;
	/* The number is everything up to the first letter other than hex
	 * digits after "0x". */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		n = 2 + strspn(s + 2, "0123456789abcdefABCDEF");
	else
		n = strspn(s, "0123456789");
	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	ret = options__parse_u64(num, &v);
	if (ret)
		return ret;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(s + n, units[i].suffix) != 0)
			continue;
		if (v > (UINT64_MAX >> units[i].shift))
			return -ERANGE;
		*out = v << units[i].shift;
		return 0;
	}
	return -EINVAL;
}

int options__parse_listen(const char *s, struct listen_addr *l, char *err, size_t errlen)
{
	const char *colon;
	uint64_t port;
	size_t hostlen;

	memset(l, 0, sizeof(*l));
	if (!s || !*s)
		return fail(err, errlen, "--listen: empty address");
	if (strncmp(s, "unix:", 5) == 0) {
		l->kind = LISTEN_UNIX;
		if (!s[5])
			return fail(err, errlen, "--listen unix:PATH: the path is empty");
		if (strlen(s + 5) >= sizeof(l->path))
			return fail(err, errlen, "--listen %s: a unix socket path may have at most %zu characters",
				    s, sizeof(l->path) - 1);
		strcpy(l->path, s + 5);
		return 0;
	}
	l->kind = LISTEN_TCP;
	colon = strrchr(s, ':');
	if (colon) {
		hostlen = colon - s;
		s = colon + 1;
		if (hostlen >= sizeof(l->host))
			return fail(err, errlen, "--listen: host name too long");
		memcpy(l->host, s - hostlen - 1, hostlen);
		l->host[hostlen] = '\0';
		/* [::1]:1234 */
		if (l->host[0] == '[') {
			size_t hl = strlen(l->host);

			if (hl < 3 || l->host[hl - 1] != ']')
				return fail(err, errlen, "--listen: malformed IPv6 address '%s'", l->host);
			memmove(l->host, l->host + 1, hl - 2);
			l->host[hl - 2] = '\0';
		}
	}
	if (!l->host[0])
		strcpy(l->host, OPTIONS_DEFAULT_HOST);
	if (options__parse_u64(s, &port) || port > 65535)
		return fail(err, errlen, "--listen: bad port '%s' (expected 0-65535; forms: HOST:PORT, :PORT, PORT, unix:PATH)",
			    s);
	l->port = (unsigned)port;
	return 0;
}

void options__usage(FILE *out)
{
	fprintf(out,
"Usage: kvmstub [OPTIONS] IMAGE\n"
"       kvmstub [OPTIONS] --disk FILE | --floppy FILE\n"
"Boot a raw x86 kernel image (or an ELF file, a multiboot kernel, a disk)\n"
"under KVM and serve the GDB Remote Serial Protocol, halted where the CPU\n"
"starts (the reset vector, linear 0xffff0, or a multiboot kernel's entry).\n"
"IMAGE is raw firmware (at most 16 MiB: it ends at 4 GiB, its last 128 KiB\n"
"also at 1 MiB; over 128 KiB, whole 4 KiB sectors), an ELF file that loads\n"
"code at the reset vector, or a multiboot 1 or 2 kernel (ELF or flat).\n"
"Without IMAGE, kvmstub's BIOS boots the floppy or the disk: sector 0 at\n"
"0000:7c00, DL 0x00 or 0x80.\n"
"\n"
"Options:\n"
"  --memory SIZE        guest RAM from address 0 (default 16M; K, M, G suffixes;\n"
"                       1M to 3G)\n"
"  --smp N              N vCPUs (default 1, at most 64 and what KVM allows): vCPU 0\n"
"                       starts at the reset vector, the others wait for INIT and\n"
"                       SIPI from its local APIC; gdb sees one thread per vCPU\n"
"  --load ADDR          place a raw image at ADDR (below 1 MiB) and start there,\n"
"                       instead of as firmware ending at 1 MiB and at 4 GiB\n"
"  --reset STYLE        legacy (default): CS f000 base f0000, first fetch at\n"
"                       0xffff0; architectural: CS base ffff0000, first fetch\n"
"                       at 0xfffffff0\n"
"  --arch LAYOUT        registers gdb sees: auto (default: x86-64 in 64-bit mode,\n"
"                       i386 elsewhere, switched with an exec stop when the\n"
"                       CPU enters or leaves 64-bit mode), i386 (32-bit\n"
"                       registers) or x86-64 (rax..r15, 64-bit rip) for the\n"
"                       whole session\n"
"  --serial DEST        guest output (serial 0x3f8, ports 0xe9 and 0x402):\n"
"                       stdout (default), stderr, none, or a FILE\n"
"  --serial-in FILE     bytes for COM1's receiver, read from FILE (a terminal\n"
"                       on stdin feeds COM1 and the keyboard by itself)\n"
"  --append TEXT        a multiboot kernel's command line (after IMAGE's name)\n"
"  --module FILE[,ARGS] a multiboot module with its command line (repeatable,\n"
"                       at most 32, in order)\n"
"  --disk FILE[,rw]     a raw disk image (whole 512-byte sectors): the ATA disk\n"
"                       at 0x1f0 and BIOS drive 0x80; the guest's writes reach\n"
"                       FILE only with ,rw (else they stay in memory)\n"
"  --floppy FILE        a floppy image: BIOS drive 0x00, booted before the disk\n"
"  --bios FILE          boot the disk with this BIOS image instead of kvmstub's\n"
"  --screen DEST        show the 80x25 text screen (0xb8000) as it changes, at\n"
"                       most 20 times a second: stdout, or a FILE that always\n"
"                       holds the last picture\n"
"  --snapshot-dir DIR   keep every snapshot saved (monitor snapshot save NAME)\n"
"                       as DIR/NAME.kvmsnap too, and find those files by name\n"
"  --restore FILE       start from the snapshot in FILE (monitor snapshot write,\n"
"                       or --snapshot-dir) instead of power-on; refused, with\n"
"                       the reason, when it was taken of another image, RAM\n"
"                       size or number of vCPUs\n"
"  --record             record from the first instruction, for gdb's reverse\n"
"                       execution (reverse-stepi, reverse-continue; one vCPU)\n"
"  --listen ADDR        where gdb connects (default 127.0.0.1:1234): HOST:PORT,\n"
"                       :PORT, PORT, or unix:PATH; port 0 picks a free port\n"
"  --allow-remote       allow --listen on a non-loopback address (anyone who\n"
"                       can reach the port controls the guest)\n"
"  --no-gdb             run the guest to its end without a debugger; exit with\n"
"                       its status (0 for hlt, the byte written to port 0xf4,\n"
"                       1 for a fault)\n"
"  --once               exit when the first gdb session ends, with the guest's\n"
"                       status\n"
"  --verbose            log packets, port I/O and exits on stderr\n"
"  --probe              print what this host's KVM can do, and exit\n"
"  --help               this text\n"
"  --version            the version\n");
}

/* Long options; each either takes a value or is a flag. */
enum opt_id {
	OPT_MEMORY, OPT_SMP, OPT_APPEND, OPT_MODULE, OPT_DISK, OPT_FLOPPY, OPT_BIOS, OPT_SCREEN,
	OPT_SERIAL_IN, OPT_SNAPSHOT_DIR, OPT_RESTORE, OPT_RECORD,
	OPT_LOAD, OPT_RESET, OPT_ARCH, OPT_SERIAL, OPT_LISTEN, OPT_ALLOW_REMOTE,
	OPT_NO_GDB, OPT_ONCE, OPT_VERBOSE, OPT_PROBE, OPT_HELP, OPT_VERSION,
};

static const struct {
	const char *name;
	char short_name;
	bool has_value;
	enum opt_id id;
} option_table[] = {
	{ "memory",	  'm', true,  OPT_MEMORY },
	{ "smp",	  0,   true,  OPT_SMP },
	{ "load",	  0,   true,  OPT_LOAD },
	{ "reset",	  0,   true,  OPT_RESET },
	{ "arch",	  0,   true,  OPT_ARCH },
	{ "serial",	  0,   true,  OPT_SERIAL },
	{ "serial-in",	  0,   true,  OPT_SERIAL_IN },
	{ "append",	  0,   true,  OPT_APPEND },
	{ "module",	  0,   true,  OPT_MODULE },
	{ "disk",	  0,   true,  OPT_DISK },
	{ "floppy",	  0,   true,  OPT_FLOPPY },
	{ "bios",	  0,   true,  OPT_BIOS },
	{ "screen",	  0,   true,  OPT_SCREEN },
	{ "snapshot-dir", 0,   true,  OPT_SNAPSHOT_DIR },
	{ "restore",	  0,   true,  OPT_RESTORE },
	{ "record",	  0,   false, OPT_RECORD },
	{ "listen",	  'l', true,  OPT_LISTEN },
	{ "allow-remote", 0,   false, OPT_ALLOW_REMOTE },
	{ "no-gdb",	  0,   false, OPT_NO_GDB },
	{ "once",	  0,   false, OPT_ONCE },
	{ "verbose",	  'v', false, OPT_VERBOSE },
	{ "probe",	  0,   false, OPT_PROBE },
	{ "help",	  'h', false, OPT_HELP },
	{ "version",	  'V', false, OPT_VERSION },
};

/* --module FILE[,ARGS]: the file, and its command line after the first comma. */
static int parse_module(struct options *o, const char *val, char *err, size_t errlen)
{
	struct options_module *m;
	const char *comma = strchr(val, ',');
	size_t n = comma ? (size_t)(comma - val) : strlen(val);

	if (o->nr_modules == OPTIONS_MAX_MODULES)
		return fail(err, errlen, "--module: at most %d modules", OPTIONS_MAX_MODULES);
	if (n == 0)
		return fail(err, errlen, "--module '%s': no file name before the comma", val);
	m = &o->modules[o->nr_modules];
	if (n >= sizeof(m->path_buf) || (comma && strlen(comma + 1) >= sizeof(m->args)))
		return fail(err, errlen, "--module: the file name or its arguments are too long "
			    "(at most %zu characters each)", sizeof(m->args) - 1);
	memcpy(m->path_buf, val, n);
	m->path_buf[n] = '\0';
	m->path = m->path_buf;
	snprintf(m->args, sizeof(m->args), "%s", comma ? comma + 1 : "");
	o->nr_modules++;
	return 0;
}

/* --disk FILE[,rw] */
static int parse_disk(struct options *o, const char *val, char *err, size_t errlen)
{
	const char *comma = strrchr(val, ',');
	size_t n = strlen(val);

	o->disk_rw = false;
	if (comma && strcmp(comma, ",rw") == 0) {
		o->disk_rw = true;
		n = (size_t)(comma - val);
	} else if (comma && strcmp(comma, ",ro") == 0) {
		n = (size_t)(comma - val);
	}
	if (n == 0)
		return fail(err, errlen, "--disk '%s': no file name", val);
	if (n >= sizeof(o->disk_buf))
		return fail(err, errlen, "--disk: the file name is too long");
	memcpy(o->disk_buf, val, n);
	o->disk_buf[n] = '\0';
	o->disk = o->disk_buf;
	return 0;
}

static int apply(struct options *o, enum opt_id id, const char *name, const char *val,
		 char *err, size_t errlen)
{
	int ret;

	switch (id) {
	case OPT_MEMORY:
		ret = options__parse_size(val, &o->mem_size);
		if (ret)
			return fail(err, errlen, "--memory: bad size '%s' (examples: 16M, 512K, 1G)", val);
		if (o->mem_size < MACHINE_MEM_MIN)
			return fail(err, errlen, "--memory %s is too small: at least 1M (the firmware sits below 1 MiB)",
				    val);
		if (o->mem_size > MACHINE_MEM_MAX)
			return fail(err, errlen, "--memory %s is too large: at most 3G (RAM stays below the APICs at 0xfec00000 and the firmware window, up to 16 MiB below 4 GiB)",
				    val);
		if (o->mem_size & 0xfff)
			return fail(err, errlen, "--memory %s is not a multiple of 4 KiB", val);
		return 0;
	case OPT_SMP: {
		uint64_t n;

		if (options__parse_u64(val, &n) || n == 0)
			return fail(err, errlen, "--smp: bad number of vCPUs '%s' (1 to %d)", val,
				    MACHINE_MAX_VCPUS);
		if (n > MACHINE_MAX_VCPUS)
			return fail(err, errlen, "--smp %s: at most %d vCPUs", val,
				    MACHINE_MAX_VCPUS);
		o->smp = (int)n;
		return 0;
	}
	case OPT_LOAD:
		if (options__parse_u64(val, &o->load_addr))
			return fail(err, errlen, "--load: bad address '%s' (decimal, or hex with 0x)", val);
		if (o->load_addr >= (1u << 20))
			return fail(err, errlen, "--load %s: the address must be below 1 MiB (the CPU starts there in real mode)",
				    val);
		o->load_set = true;
		return 0;
	case OPT_RESET:
		if (strcmp(val, "legacy") == 0)
			o->reset_architectural = false;
		else if (strcmp(val, "architectural") == 0)
			o->reset_architectural = true;
		else
			return fail(err, errlen, "--reset: unknown style '%s' (legacy or architectural)", val);
		return 0;
	case OPT_ARCH:
		o->arch_auto = strcmp(val, "auto") == 0;
		if (o->arch_auto) {
			o->arch = REGS_ARCH_I386;
			return 0;
		}
		if (regs__arch_parse(val, &o->arch) < 0)
			return fail(err, errlen, "--arch: unknown register layout '%s' (i386, x86-64 or auto)",
				    val);
		return 0;
	case OPT_SERIAL:
		if (!*val)
			return fail(err, errlen, "--serial: empty destination (stdout, stderr, none or a file)");
		o->serial_path = NULL;
		if (strcmp(val, "stdout") == 0)
			o->serial = SERIAL_STDOUT;
		else if (strcmp(val, "stderr") == 0)
			o->serial = SERIAL_STDERR;
		else if (strcmp(val, "none") == 0)
			o->serial = SERIAL_NONE;
		else {
			o->serial = SERIAL_FILE;
			o->serial_path = val;
		}
		return 0;
	case OPT_LISTEN:
		return options__parse_listen(val, &o->listen, err, errlen);
	case OPT_APPEND:
		o->append = val;
		return 0;
	case OPT_MODULE:
		return parse_module(o, val, err, errlen);
	case OPT_DISK:
		return parse_disk(o, val, err, errlen);
	case OPT_FLOPPY:
		if (!*val)
			return fail(err, errlen, "--floppy: empty file name");
		o->floppy = val;
		return 0;
	case OPT_BIOS:
		if (!*val)
			return fail(err, errlen, "--bios: empty file name");
		o->bios = val;
		return 0;
	case OPT_SCREEN:
		if (!*val)
			return fail(err, errlen, "--screen: empty destination (stdout or a file)");
		o->screen = strcmp(val, "stdout") == 0 ? SCREEN_STDOUT : SCREEN_FILE;
		o->screen_path = o->screen == SCREEN_FILE ? val : NULL;
		return 0;
	case OPT_SERIAL_IN:
		if (!*val)
			return fail(err, errlen, "--serial-in: empty file name");
		o->serial_in = val;
		return 0;
	case OPT_SNAPSHOT_DIR:
		if (!*val)
			return fail(err, errlen, "--snapshot-dir: empty directory name");
		o->snapshot_dir = val;
		return 0;
	case OPT_RESTORE:
		if (!*val)
			return fail(err, errlen, "--restore: empty file name");
		o->restore = val;
		return 0;
	case OPT_RECORD:
		o->record = true;
		return 0;
	case OPT_ALLOW_REMOTE:
		o->allow_remote = true;
		return 0;
	case OPT_NO_GDB:
		o->no_gdb = true;
		return 0;
	case OPT_ONCE:
		o->once = true;
		return 0;
	case OPT_VERBOSE:
		o->verbose = true;
		return 0;
	case OPT_PROBE:
		o->probe = true;
		return 0;
	case OPT_HELP:
		o->help = true;
		return 0;
	case OPT_VERSION:
		o->version = true;
		return 0;
	}
	return fail(err, errlen, "%s: unhandled option", name);
}

static void defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->mem_size = MACHINE_MEM_DEFAULT;
	o->smp = 1;
	o->serial = SERIAL_STDOUT;
	o->listen.kind = LISTEN_TCP;
	strcpy(o->listen.host, OPTIONS_DEFAULT_HOST);
	o->listen.port = OPTIONS_DEFAULT_PORT;
	o->arch = REGS_ARCH_I386;
	o->arch_auto = true;		/* --arch auto */
}

static int find_option(const char *arg, size_t *namelen)
{
	for (size_t i = 0; i < sizeof(option_table) / sizeof(option_table[0]); i++) {
		size_t n = strlen(option_table[i].name);

		if (arg[0] == '-' && arg[1] == '-') {
			if (strncmp(arg + 2, option_table[i].name, n) == 0 &&
			    (arg[2 + n] == '\0' || arg[2 + n] == '=')) {
				*namelen = n + 2;
				return (int)i;
			}
		} else if (option_table[i].short_name && arg[1] == option_table[i].short_name &&
			   arg[2] == '\0') {
			*namelen = 2;
			return (int)i;
		}
	}
	return -1;
}

int options__parse(int argc, char *const argv[], struct options *o, char *err, size_t errlen)
{
	bool only_operands = false;
	int ret;

	defaults(o);
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *val = NULL;
		size_t namelen;
		int k;

		if (only_operands || arg[0] != '-' || arg[1] == '\0') {
			if (o->image)
				return fail(err, errlen, "more than one image given ('%s' and '%s')",
					    o->image, arg);
			o->image = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_operands = true;
			continue;
		}
		k = find_option(arg, &namelen);
		if (k < 0)
			return fail(err, errlen, "unknown option '%s'", arg);
		if (option_table[k].has_value) {
			if (arg[namelen] == '=')
				val = arg + namelen + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return fail(err, errlen, "option '%s' needs a value", arg);
		} else if (arg[namelen] == '=') {
			return fail(err, errlen, "option '--%s' takes no value", option_table[k].name);
		}
		ret = apply(o, option_table[k].id, arg, val, err, errlen);
		if (ret)
			return ret;
	}
	if (o->help || o->version || o->probe)
		return 0;
	if (!o->image && !o->disk && !o->floppy)
		return fail(err, errlen, "no image given (or --disk FILE / --floppy FILE to boot)");
	if (o->no_gdb && o->once)
		return fail(err, errlen, "--no-gdb and --once exclude each other");
	if (o->load_set && o->reset_architectural)
		return fail(err, errlen, "--load starts the CPU at the load address; it cannot be combined with --reset architectural");
	return 0;
}
_Static_assert(OPTIONS_MAX_MODULES == MACHINE_MAX_MODULES, "options.h and machine.h disagree");
