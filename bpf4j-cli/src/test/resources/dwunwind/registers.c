// The third target of bpf4j trace's dw_ustack tests (see build.sh): frames whose rules name
// registers other than rsp and rbp, which the walk knows in the frame the probe interrupted and in
// the frame a signal interrupted (the signal frame saved them all). rareg (assembly) pops its
// return address into rcx (DW_CFA_register rip, rcx, as the stubs of libjvm.so and the C
// library's vfork do) and returns by jumping to it; callra calls it. spinreg keeps the stack
// pointer it was called with in rax (CFA = rax+8, as realign in frames.c) and spinra its return
// address in rcx while they wait for a signal; SIGALRM's handler calls onsignal. montlike
// realigns its stack as OpenSSL's Montgomery multiplication (bn_mul_mont) does, saving the stack
// pointer it was called with at rsp + 8 + r9 * 8: its CFA is *(rsp + 8 + r9 * 8) + 8. rasys pops
// its return address into rdx and makes the getppid system call (a kernel probe's user registers).
// rbpreg keeps its caller's rbp in r11 (DW_CFA_register rbp, r11, as libgcrypt's assembly does)
// and zeroes rbp; its caller vlacall's CFA is rbp+16 (a variable-length array).
//
//   registers once N   calls callra, callmont, callsys and vlacall N times, 1 ms apart, and exits
//   registers sigreg   prints its pid, then waits in spinreg until SIGALRM's handler (called
//                      through the C library's __restore_rt signal frame) calls onsignal, every
//                      millisecond until killed
//   registers sigra    the same in spinra
//   registers sigmont  the same in montlike
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

volatile long sink;
volatile int fired;

void rareg(void);
__asm__(".text\n"
        ".globl rareg\n"
        ".type rareg,@function\n"
        "rareg:\n"
        ".cfi_startproc\n"
        "  pop %rcx\n"
        ".cfi_def_cfa_offset 0\n"
        ".cfi_register 16, 2\n" // rip in rcx
        "  nop\n"
        "  jmp *%rcx\n"
        ".cfi_endproc\n"
        ".size rareg, .-rareg\n");

void spinreg(volatile int *flag);
__asm__(".text\n"
        ".globl spinreg\n"
        ".type spinreg,@function\n"
        "spinreg:\n"
        ".cfi_startproc\n"
        "  mov %rsp, %rax\n"
        ".cfi_def_cfa_register %rax\n"
        "  sub $64, %rsp\n"
        "  and $-64, %rsp\n"
        "1:\n"
        "  cmpl $0, (%rdi)\n"
        "  je 1b\n"
        "  mov %rax, %rsp\n"
        ".cfi_def_cfa_register %rsp\n"
        "  ret\n"
        ".cfi_endproc\n"
        ".size spinreg, .-spinreg\n");

void spinra(volatile int *flag);
__asm__(".text\n"
        ".globl spinra\n"
        ".type spinra,@function\n"
        "spinra:\n"
        ".cfi_startproc\n"
        "  pop %rcx\n"
        ".cfi_def_cfa_offset 0\n"
        ".cfi_register 16, 2\n" // rip in rcx
        "1:\n"
        "  cmpl $0, (%rdi)\n"
        "  je 1b\n"
        "  jmp *%rcx\n"
        ".cfi_endproc\n"
        ".size spinra, .-spinra\n");

void montlike(volatile int *flag);
__asm__(".text\n"
        ".globl montlike\n"
        ".type montlike,@function\n"
        "montlike:\n"
        ".cfi_startproc\n"
        "  mov %rsp, %rax\n"
        ".cfi_def_cfa_register %rax\n"
        "  push %rbp\n"
        ".cfi_offset %rbp, -16\n"
        "  mov $5, %r9\n"
        "  lea -64(%rsp), %rsp\n"
        "  and $-64, %rsp\n"
        "  mov %rax, 8(%rsp,%r9,8)\n"
        // DW_CFA_def_cfa_expression: DW_OP_breg7 (rsp) 8; DW_OP_breg9 (r9) 0; DW_OP_lit8; DW_OP_mul;
        // DW_OP_plus; DW_OP_deref; DW_OP_plus_uconst 8 (bn_mul_mont's)
        ".cfi_escape 0x0f, 0x0a, 0x77, 0x08, 0x79, 0x00, 0x38, 0x1e, 0x22, 0x06, 0x23, 0x08\n"
        "1:\n"
        "  cmpl $0, (%rdi)\n"
        "  je 1b\n"
        "  mov 8(%rsp,%r9,8), %rsi\n"
        ".cfi_def_cfa %rsi, 8\n"
        "  mov -8(%rsi), %rbp\n"
        ".cfi_restore %rbp\n"
        "  mov %rsi, %rsp\n"
        ".cfi_def_cfa_register %rsp\n"
        "  ret\n"
        ".cfi_endproc\n"
        ".size montlike, .-montlike\n");

__attribute__((noinline)) void callra(void)
{
  rareg();
  sink++;
}

void rasys(void);
__asm__(".text\n"
        ".globl rasys\n"
        ".type rasys,@function\n"
        "rasys:\n"
        ".cfi_startproc\n"
        "  pop %rdx\n"
        ".cfi_def_cfa_offset 0\n"
        ".cfi_register 16, 1\n" // rip in rdx
        "  mov $110, %eax\n" // getppid
        "  syscall\n"
        "  jmp *%rdx\n"
        ".cfi_endproc\n"
        ".size rasys, .-rasys\n");

__attribute__((noinline)) void callsys(void)
{
  rasys();
  sink++;
}

void rbpreg(void);
__asm__(".text\n"
        ".globl rbpreg\n"
        ".type rbpreg,@function\n"
        "rbpreg:\n"
        ".cfi_startproc\n"
        "  mov %rbp, %r11\n"
        ".cfi_register 6, 11\n" // rbp in r11
        "  xor %ebp, %ebp\n"
        "  nop\n"
        "  mov %r11, %rbp\n"
        ".cfi_restore 6\n"
        "  ret\n"
        ".cfi_endproc\n"
        ".size rbpreg, .-rbpreg\n");

__attribute__((noinline)) void vlacall(int n)
{
  volatile char buf[n];
  buf[0] = 1;
  rbpreg();
  sink += buf[0];
}

volatile int one = 1;

__attribute__((noinline)) void callmont(void)
{
  montlike(&one);
  sink++;
}

__attribute__((noinline)) void onsignal(void)
{
  sink++;
}

// the function the signal is waited for in (spinreg, spinra, montlike)
void (*spinning)(volatile int *);

// calls onsignal only when the signal interrupted the wait (not its way there, as setitimer's
// return on a loaded machine): else the timer is armed again
__attribute__((noinline)) void handler(int sig, siginfo_t *info, void *context)
{
  (void) sig;
  (void) info;
  unsigned long rip = (unsigned long) ((ucontext_t *) context)->uc_mcontext.gregs[REG_RIP];
  if (rip - (unsigned long) spinning < 64) {
    onsignal();
    fired = 1;
  } else {
    struct itimerval t = {{0, 0}, {0, 1000}};
    setitimer(ITIMER_REAL, &t, NULL);
  }
}

__attribute__((noinline)) void waitreg(void)
{
  spinreg(&fired);
  sink++;
}

__attribute__((noinline)) void waitra(void)
{
  spinra(&fired);
  sink++;
}

__attribute__((noinline)) void waitmont(void)
{
  montlike(&fired);
  sink++;
}

__attribute__((noreturn)) static void signalled(void (*wait)(void), void (*spin)(volatile int *))
{
  spinning = spin;
  printf("%d\n", getpid());
  fflush(stdout);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGALRM, &sa, NULL);
  for (;;) {
    fired = 0;
    struct itimerval t = {{0, 0}, {0, 1000}};
    setitimer(ITIMER_REAL, &t, NULL);
    wait();
    usleep(1000);
  }
}

int main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "once") == 0) {
    for (int i = atoi(argv[2]); i > 0; i--) {
      callra();
      callmont();
      callsys();
      vlacall(16 + (int) (sink & 7));
      usleep(1000);
    }
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "sigreg") == 0) {
    signalled(waitreg, spinreg);
  }
  if (argc == 2 && strcmp(argv[1], "sigra") == 0) {
    signalled(waitra, spinra);
  }
  if (argc == 2 && strcmp(argv[1], "sigmont") == 0) {
    signalled(waitmont, montlike);
  }
  fprintf(stderr, "usage: registers once N | registers sigreg | registers sigra | registers sigmont\n");
  return 2;
}
