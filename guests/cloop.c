/*
 * cloop.c - lesson 10: a kernel in C, debugged by source line with gdb.
 *
 * WHAT YOU LEARN
 *   gdb debugging C code on a bare machine, by source line: `break main`,
 *   `next`, `step`, `print total`, `info locals`.  The boot stub
 *   (cloop_boot.S) brings the CPU into 32-bit protected mode and calls
 *   main(); the C code is built with -ffreestanding (no C library, no
 *   operating system) and -g, so the ELF file has the DWARF line table
 *   that maps each source line to its instructions.
 *
 *   `next` over a line that holds a whole loop is where range stepping
 *   shows: gdb asks kvmstub to step "while the pc stays in this line's
 *   instructions" (the packet vCont;r), and kvmstub single-steps the loop
 *   itself, with one reply at the end instead of one round trip per
 *   instruction.  `set range-stepping off` in gdb shows the difference.
 *
 * HOW TO RUN IT
 *   make guests/cloop.bin
 *   ./kvmstub --no-gdb guests/cloop.bin ; echo "status $?"   # status 0
 *
 *   ./kvmstub guests/cloop.bin
 *   gdb guests/cloop.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) break main
 *     (gdb) continue                # stops at fill(data, N)
 *     (gdb) next                    # over the call: the array is filled
 *     (gdb) next                    # the summing loop, 1000 turns, one step
 *     (gdb) next                    # total = s
 *     (gdb) print total             # 1499500 (see below)
 *   gdbscripts/lesson-cloop.gdb is the README's lesson 10: step into
 *   fill(), bt, finish, next over the loop, watch total.
 *
 * THE PROGRAM
 *   data[i] = 3 * i + 1 for i = 0 .. N-1, then total = the sum of data[],
 *   which is N + 3 * N * (N - 1) / 2 = 1000 + 1498500 = 1499500 for N = 1000.
 *   main returns 0 when total is right (the exit status), 1 otherwise.
 *
 *   The variables live in .bss (RAM at 0x10000, zeroed by the stub): a
 *   program like this has no loader to copy initialized data, so it has
 *   no static variable with an initializer other than 0.
 */

#define N		1000
#define EXPECTED	(N + 3u * N * (N - 1) / 2)

unsigned int data[N];
/* volatile: the compiler must store it, so gdb can print it. */
volatile unsigned int total;

int main(void);

/* noinline: a function of its own, so that `next` steps over a call. */
static __attribute__((noinline)) void fill(unsigned int *a, int n)
{
	for (int i = 0; i < n; i++)
		a[i] = 3u * (unsigned int)i + 1u;
}

int main(void)
{
	unsigned int s = 0;

	fill(data, N);
	for (int i = 0; i < N; i++) s += data[i];
	total = s;
	return total == EXPECTED ? 0 : 1;
}
