// The second target of bpf4j trace's dw_ustack tests (see build.sh), for the .eh_frame rules nofp
// does not exercise: main calls aligned (its stack realigned: CFA = rbp+16) calls vla (a
// variable-length array: CFA = rbp+16) calls clobber (saves rbp, then zeroes it: the walk must
// restore rbp from where clobber saved it to find vla's CFA) calls leaf, which calls getppid
// through its lazily bound PLT entry (the .plt's CFA expression). Then main calls realign, which
// calls tick on a stack realigned as OpenSSL's assembly does: the CFA is rax+8 until the old rsp is
// saved on the new stack, then the expression *(rsp+40)+8. Then main calls rec, which calls
// itself until its argument is 0 and then bottom (a uretprobe on rec replaces each of its return
// addresses by the kernel's trampoline). Then main calls dvla (a variable-length array: CFA =
// rbp+16, so the walk needs the rbp drap restores), which calls drap, which realigns its stack as gcc does
// when it must keep the incoming stack pointer in a register (DRAP, force_align_arg_pointer): the
// CFA is r10, then *(rbp-8), and rbp is saved at rbp+0 (DW_CFA_expression rbp); clang keeps rbp
// as its frame pointer instead; it calls drapleaf. Then main calls odd (assembly), whose CFA rule
// is an expression no unwinder here follows (it uses DW_OP_xor): a walk from its callee oddleaf
// must end there, in a failure, never in a wrong frame.
//
//   frames once N   calls aligned N times, 1 ms apart, and exits
//   frames signal   prints its pid, then spins in spin until SIGALRM's handler (called through the
//                   C library's __restore_rt signal frame) calls onsignal, every millisecond
//                   until killed
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

volatile long sink;

__attribute__((noinline)) void leaf(void)
{
  sink = getppid();
}

__attribute__((noinline)) void clobber(void)
{
  __asm__ volatile("xor %%ebp, %%ebp" ::: "rbp");
  leaf();
  sink++;
}

__attribute__((noinline)) void vla(int n)
{
  volatile char buf[n];
  buf[0] = 1;
  clobber();
  sink += buf[0];
}

__attribute__((noinline)) void aligned(int n)
{
  volatile char buf[64] __attribute__((aligned(64)));
  buf[n & 63] = 1;
  vla(n);
  sink += buf[1];
}

__attribute__((noinline)) void tick(void)
{
  sink++;
}

void realign(void (*f)(void));
__asm__(".text\n"
        ".globl realign\n"
        ".type realign,@function\n"
        "realign:\n"
        ".cfi_startproc\n"
        "  mov %rsp, %rax\n"
        ".cfi_def_cfa_register %rax\n"
        "  push %rbx\n"
        ".cfi_offset %rbx, -16\n"
        "  sub $64, %rsp\n"
        "  and $-64, %rsp\n"
        "  mov %rax, 40(%rsp)\n"
        // DW_CFA_def_cfa_expression: DW_OP_breg7 (rsp) 40; DW_OP_deref; DW_OP_plus_uconst 8
        ".cfi_escape 0x0f, 0x05, 0x77, 0x28, 0x06, 0x23, 0x08\n"
        "  call *%rdi\n"
        "  mov 40(%rsp), %rax\n"
        ".cfi_def_cfa %rax, 8\n"
        "  mov -8(%rax), %rbx\n"
        "  mov %rax, %rsp\n"
        ".cfi_def_cfa %rsp, 8\n"
        "  ret\n"
        ".cfi_endproc\n"
        ".size realign, .-realign\n");

__attribute__((noinline)) void bottom(void)
{
  sink++;
}

__attribute__((noinline)) void rec(int n)
{
  if (n > 0) {
    rec(n - 1);
  } else {
    bottom();
  }
  sink++;
}

__attribute__((noinline)) void drapleaf(void)
{
  sink++;
}

__attribute__((noinline, force_align_arg_pointer)) void drap(int n)
{
  volatile char buf[n];
  volatile char a[64] __attribute__((aligned(64)));
  buf[0] = 1;
  a[n & 63] = 2;
  drapleaf();
  sink += buf[0] + a[1];
}

__attribute__((noinline)) void oddleaf(void)
{
  sink++;
}

void odd(void (*f)(void));
__asm__(".text\n"
        ".globl odd\n"
        ".type odd,@function\n"
        "odd:\n"
        ".cfi_startproc\n"
        "  sub $8, %rsp\n"
        // DW_CFA_def_cfa_expression: DW_OP_breg7 (rsp) 16; DW_OP_lit0; DW_OP_xor (rsp + 16)
        ".cfi_escape 0x0f, 0x04, 0x77, 0x10, 0x30, 0x27\n"
        "  call *%rdi\n"
        "  add $8, %rsp\n"
        ".cfi_def_cfa %rsp, 8\n"
        "  ret\n"
        ".cfi_endproc\n"
        ".size odd, .-odd\n");

__attribute__((noinline)) void dvla(int n)
{
  volatile char buf[n];
  buf[0] = 1;
  drap(n);
  sink += buf[0];
}

volatile sig_atomic_t fired;

__attribute__((noinline)) void onsignal(void)
{
  sink++;
}

__attribute__((noinline)) void handler(int sig)
{
  (void) sig;
  onsignal();
  fired = 1;
}

__attribute__((noinline)) void spin(void)
{
  while (!fired) {
    sink++;
  }
}

__attribute__((noreturn)) static void signalled(void)
{
  printf("%d\n", getpid());
  fflush(stdout);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigaction(SIGALRM, &sa, NULL);
  for (;;) {
    fired = 0;
    struct itimerval t = {{0, 0}, {0, 1000}};
    setitimer(ITIMER_REAL, &t, NULL);
    spin();
    usleep(1000);
  }
}

int main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "once") == 0) {
    for (int i = atoi(argv[2]); i > 0; i--) {
      aligned(16 + (int) (sink & 7));
      realign(tick);
      rec(12);
      dvla(16 + (int) (sink & 7));
      odd(oddleaf);
      usleep(1000);
    }
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "signal") == 0) {
    signalled();
  }
  fprintf(stderr, "usage: frames once N | frames signal\n");
  return 2;
}
