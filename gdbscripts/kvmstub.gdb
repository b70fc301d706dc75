# kvmstub.gdb - gdb helpers for debugging kvmstub guests from the reset vector.
#
# Load it when you start gdb:
#
#   ./kvmstub guests/kernel1.bin                     # terminal 1
#   gdb -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
#   gdb guests/protected.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
#                                                    # ... with the ELF's symbols
#
# What it gives you:
#   - At every stop (hook-stop) gdb's disassembler follows the CPU mode:
#     16-bit (i8086) while CR0.PE = 0, 32-bit (i386) once it is 1.  In real
#     mode the stop also shows  CS:IP = f000:fff0  (linear 0xffff0).
#     Then the next instruction is shown (x/i $pc).
#   - mode                 real or protected mode (and paging, long mode)
#   - segoff SEL OFF       the linear address of real-mode SEL:OFF
#   - realstack [N]        N 16-bit words at SS:SP (default 8); alias stack16
#   - gdtr / idtr          where the GDT / IDT are, and their 8-byte entries
#   - reset                power-on reset (monitor reset) and forget the
#                          registers gdb had cached
#   Type `help user-defined` in gdb for the list, `help mode` etc. for each.
#
# Addresses: kvmstub reports $pc (eip) as the LINEAR address CS.base + IP, so
# `break *0xffff0`, `x/i $pc` and `stepi` agree in real mode too.  The raw
# IP is the register $ip; segment bases are $cs_base, $ss_base, ...
#
# Works with gdb 10 or newer (uses $_isvoid, $_streq, $_gdb_setting_str).
# Every command also loads and runs harmlessly when no target is connected.

set disassembly-flavor att

# kvmstub sends a memory map (RAM, and the firmware as read-only, so that a
# plain `break` there becomes a hardware breakpoint).  Memory packets take
# LINEAR addresses, and with paging on a guest maps linear addresses far
# outside that physical map: let gdb ask for them anyway.
set mem inaccessible-by-default off

# Set gdb's architecture to $arg0, saying so only when it changes.  With
# Python, every resume puts the architecture back to auto (see the end of
# this file), so that an exec stop with which kvmstub --arch auto switches
# the register layout finds no architecture chosen by hand: gdb would
# refuse the new target description.  The next stop sets it again, then
# silently when it is the one of the stop before.
define kvmstub-set-arch
  if !$_streq($_gdb_setting_str("architecture"), "$arg0")
    if !$_isvoid($_kvmstub_arch) && $_streq($_kvmstub_arch, "$arg0")
      python gdb.execute("set architecture $arg0", to_string=True)
    else
      set architecture $arg0
    end
    set $_kvmstub_arch = "$arg0"
  end
end
document kvmstub-set-arch
Set gdb's architecture to ARCH, quietly when it is the one it was at the
stop before: kvmstub-set-arch ARCH.  kvmstub-sync-arch uses it.
end

# Called by hook-stop: pick the disassembler from what the CPU decodes:
# 16-bit code in real mode and while CS is a 16-bit segment ($cs_attr's
# D/B and L bits clear), 32-bit code otherwise.
#
# With kvmstub's 64-bit register layout ($rip exists: --arch x86-64, or
# --arch auto in 64-bit mode) gdb accepts no architecture but i386:x86-64,
# so the disassembler stays 64-bit there; a note says so once when the CPU
# is not in long mode (after a reset, --arch auto switches the layout back
# at the next stop).
# With the 32-bit layout in 64-bit code, a note says once how to see the
# 64-bit registers.
define kvmstub-sync-arch
  if !$_isvoid($cr0)
    if !$_isvoid($rip)
      kvmstub-set-arch i386:x86-64
      if (($cr0 & 1) == 0 || ($efer & 0x400) == 0) && $_isvoid($_kvmstub_noted64)
        set $_kvmstub_noted64 = 1
        if $_isvoid($_kvmstub_had32)
          echo note: 64-bit register layout (kvmstub --arch x86-64): gdb disassembles\n
          echo note: 16- and 32-bit code as 64-bit code until the guest is in long mode.\n
        else
          echo note: the 64-bit register layout stays until the next stop, where\n
          echo note: kvmstub --arch auto switches gdb back to the i386 one.\n
        end
      end
    else
      set $_kvmstub_had32 = 1
      # 16-bit code: real mode, or a CS whose D/B and L bits are clear
      # (between setting CR0.PE and the far jump that loads a 32-bit CS).
      set $_kvmstub_code16 = ($cr0 & 1) == 0
      if !$_kvmstub_code16 && !$_isvoid($cs_attr)
        set $_kvmstub_code16 = ($cs_attr & 0x6000) == 0
      end
      if $_kvmstub_code16
        kvmstub-set-arch i8086
      else
        kvmstub-set-arch i386
      end
      if !$_isvoid($efer) && ($efer & 0x400) && !$_isvoid($cs_attr) && ($cs_attr & 0x2000) && $_isvoid($_kvmstub_noted32)
        set $_kvmstub_noted32 = 1
        echo note: the CPU is in 64-bit mode, but this session has the 32-bit register\n
        echo note: layout (kvmstub --arch i386, or a client that does not follow exec\n
        echo note: events).  Type  disconnect  then  connect64 :PORT  to see rax..r15.\n
      end
    end
  end
end
document kvmstub-sync-arch
Set gdb's architecture from the code the guest's CPU decodes: i8086 in
real mode and while CS is still a 16-bit segment, i386 otherwise.  With kvmstub's 64-bit register layout
it is always i386:x86-64.  hook-stop runs it at every stop.
end

define connect64
  if $argc != 1
    echo usage: connect64 [HOST]:PORT   (e.g. connect64 :1234)\n
  else
    exec-file
    set architecture auto
    target remote $arg0
  end
end
document connect64
Connect to kvmstub with the 64-bit register layout: connect64 [HOST]:PORT
Usage: connect64 [HOST]:PORT
For kvmstub --arch x86-64, or --arch auto while the guest is in 64-bit
mode (a plain target remote also works there: kvmstub switches gdb's
layout with an exec stop, and gdb then drops the exec file by itself).
Our guests' ELF files are 32-bit (they start in real mode) and gdb would
take its architecture from them and refuse the 64-bit registers ("Remote
'g' packet reply is too long").  So connect64 forgets the executable file
(exec-file; the symbols stay) and lets the target's description choose:
i386:x86-64.  After a session in the 32-bit layout, type  disconnect  (the
guest stays stopped where it is) and then this.
end

define hook-stop
  if $_thread != 0
    kvmstub-hook-stop
  end
end

document hook-stop
Run by gdb at every stop: see kvmstub-hook-stop.
end

define kvmstub-hook-stop
  kvmstub-sync-arch
  if !$_isvoid($cr0) && !$_isvoid($cs)
    if ($cr0 & 1) == 0
      if $_isvoid($ip)
        set $_kvmstub_ip = ($pc - ($cs << 4)) & 0xffff
      else
        set $_kvmstub_ip = $ip & 0xffff
      end
      printf "CS:IP = %04x:%04x  (linear 0x%x)\n", $cs, $_kvmstub_ip, $pc
    end
  end
  x/i $pc
end
document kvmstub-hook-stop
The work hook-stop does at every stop (it needs a connected target).
It matches the disassembler to the CPU mode, shows CS:IP in real mode,
and shows the next instruction.
end

define mode
  if $_isvoid($cr0)
    echo mode: no $cr0 register (not connected to kvmstub?)\n
  else
    if ($cr0 & 1) == 0
      printf "real mode (CR0 = 0x%08x): addresses are segment * 16 + offset\n", $cr0
    else
      if !$_isvoid($efer) && ($efer & 0x400)
        printf "long mode (CR0 = 0x%08x, EFER.LMA = 1)\n", $cr0
      else
        if $cr0 & 0x80000000
          printf "protected mode with paging (CR0 = 0x%08x, CR3 = 0x%x)\n", $cr0, $cr3
        else
          printf "protected mode, no paging (CR0 = 0x%08x)\n", $cr0
        end
      end
    end
  end
end
document mode
Print the CPU mode: real, protected (paging or not) or long.
It is read from CR0 (PE, PG) and EFER (LMA): real mode, protected mode (with or without paging) or long mode.
end

define segoff
  if $argc != 2
    echo usage: segoff SEL OFF   (e.g. segoff 0xf000 0xfff0)\n
  else
    set $_kvmstub_lin = (($arg0 & 0xffff) << 4) + ($arg1 & 0xffff)
    printf "%04x:%04x = linear 0x%05x\n", $arg0 & 0xffff, $arg1 & 0xffff, $_kvmstub_lin
  end
end
document segoff
Linear address of a real-mode SEL:OFF: segoff SEL OFF
Usage: segoff SEL OFF
Print the linear address of the real-mode address SEL:OFF, which is
SEL * 16 + OFF (e.g. f000:fff0 = 0xffff0).  The result is also left in
$_kvmstub_lin, so you can write  x/4i $_kvmstub_lin  next.
end

define realstack
  if $_thread == 0
    echo realstack: not connected to a target\n
  else
    if $argc > 0
      set $_kvmstub_n = $arg0
    else
      set $_kvmstub_n = 8
    end
    if $_isvoid($ss_base)
      set $_kvmstub_sp = (($ss & 0xffff) << 4) + (((unsigned int) $esp) & 0xffff)
    else
      set $_kvmstub_sp = $ss_base + (((unsigned int) $esp) & 0xffff)
    end
    if !$_isvoid($cr0) && ($cr0 & 1)
      echo realstack: the CPU is in protected mode; the stack is SS:ESP, 32-bit words:\n
      eval "x/%dxw 0x%x", $_kvmstub_n, ($_isvoid($ss_base) ? 0 : $ss_base) + (unsigned int) $esp
    else
      printf "SS:SP = %04x:%04x  (linear 0x%x), %d words:\n", $ss, ((unsigned int) $esp) & 0xffff, $_kvmstub_sp, $_kvmstub_n
      eval "x/%dxh 0x%x", $_kvmstub_n, $_kvmstub_sp
    end
  end
end
document realstack
Show the real-mode stack: realstack [N]
Usage: realstack [N]
Show N (default 8) 16-bit words on the real-mode stack, starting at SS:SP:
linear address $ss_base + SP, where SP is the low 16 bits of $esp.
The word at the top is the last one pushed (for a near call: the return IP).
In protected mode it shows N 32-bit words at SS:ESP instead.
end

define stack16
  if $argc > 0
    realstack $arg0
  else
    realstack
  end
end
document stack16
Show the real-mode stack: stack16 [N] (same as realstack).
end

define gdtr
  if $_isvoid($gdtr_base)
    echo gdtr: no $gdtr_base register (not connected to kvmstub?)\n
  else
    printf "GDTR: base 0x%08x, limit 0x%04x (%d entries)\n", $gdtr_base, $gdtr_limit, ($gdtr_limit + 1) / 8
    if $gdtr_limit >= 7
      eval "x/%dgx 0x%x", ($gdtr_limit + 1) / 8, $gdtr_base
    end
  end
end
document gdtr
Show the GDT: GDTR base and limit, then its descriptors.
Shows where the Global Descriptor Table is (GDTR base and limit) and dumps
its 8-byte descriptors.  Selector S uses entry S / 8 (S & ~7 is its offset).
end

define idtr
  if $_isvoid($idtr_base)
    echo idtr: no $idtr_base register (not connected to kvmstub?)\n
  else
    printf "IDTR: base 0x%08x, limit 0x%04x\n", $idtr_base, $idtr_limit
    if ($cr0 & 1) == 0
      echo real mode: the IDTR points at the interrupt vector table, 4 bytes (IP, CS) a vector\n
      if $idtr_limit >= 3
        eval "x/%dxw 0x%x", ($idtr_limit + 1) / 4 < 32 ? ($idtr_limit + 1) / 4 : 32, $idtr_base
      end
    else
      if $idtr_limit >= 7
        eval "x/%dgx 0x%x", ($idtr_limit + 1) / 8, $idtr_base
      end
    end
  end
end
document idtr
Show the IDT (or the real-mode IVT): IDTR base and limit, then its entries.
Shows where the interrupt table is (IDTR base and limit) and dumps it: in
protected mode 8-byte gates (one per vector), in real mode the first
vectors of the interrupt vector table (4 bytes each: offset, segment).
end

define reset
  monitor reset quiet
  maintenance flush register-cache
  kvmstub-hook-stop
end
document reset
Power-on reset of the guest machine: vCPUs back at the reset vector.
It runs "monitor reset quiet" (without the advice to flush gdb's register
cache, which it follows), then makes gdb forget the registers it had
cached (maintenance flush register-cache) and shows where the CPU is.
end

# kvmstub --arch auto (the default) switches the register layout when the
# CPU enters or leaves 64-bit mode with an exec stop, which makes gdb read
# the target description again.  gdb refuses a description whose
# architecture differs from one chosen with set architecture, as
# kvmstub-sync-arch chooses them: so each command that resumes the guest
# first puts the architecture back to auto (quietly, which takes Python),
# and the next stop chooses again.  (Not from Python's resume event: gdb 13
# crashed when the architecture changed there while it inserted
# breakpoints with conditions.)
define kvmstub-arch-auto
  if !$_isvoid($_kvmstub_py) && !$_streq($_gdb_setting_str("architecture"), "auto")
    python gdb.execute("set architecture auto", to_string=True)
  end
end
document kvmstub-arch-auto
Put gdb's architecture back to auto before the guest runs, so that an
exec stop of kvmstub --arch auto can switch the register layout.  Run by
the hooks of continue, step, next, stepi, nexti, finish, until, advance
and jump.
end
define hook-continue
  kvmstub-arch-auto
end
define hook-step
  kvmstub-arch-auto
end
define hook-next
  kvmstub-arch-auto
end
define hook-stepi
  kvmstub-arch-auto
end
define hook-nexti
  kvmstub-arch-auto
end
define hook-finish
  kvmstub-arch-auto
end
define hook-until
  kvmstub-arch-auto
end
define hook-advance
  kvmstub-arch-auto
end
define hook-jump
  kvmstub-arch-auto
end

# A monitor command may change the guest behind gdb's back (monitor
# snapshot restore puts back registers and memory; monitor reset too):
# gdb keeps both while the guest is stopped, so after every monitor
# command it forgets what it had and reads them afresh at the next look.
define hookpost-monitor
  maintenance flush register-cache
  maintenance flush dcache
end
document hookpost-monitor
Run by gdb after every monitor command: forget the registers and memory
gdb had cached (a snapshot restore or a reset changed them).
end

# Reverse execution: gdb asks for it only of a target that offered it
# when gdb connected (kvmstub --record does); after monitor record on,
# gdb must be told that the packets are there.
define reverse-on
  monitor record on
  set remote reverse-step-packet on
  set remote reverse-continue-packet on
end
document reverse-on
Start recording in kvmstub (monitor record on) and let gdb's reverse-stepi,
reverse-continue, reverse-next, reverse-finish use it.
end

# Last, as it fails to load in a gdb without Python (and only this part).
python
gdb.set_convenience_variable("_kvmstub_py", 1)
end
