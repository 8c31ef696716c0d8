// The third target of bpf4j trace's dw_ustack tests (see build.sh): frames whose rules name
// registers other than rsp and rbp, which the walk knows in the frame the probe interrupted and in
// the frame a signal interrupted (the signal frame saved them all). rareg (assembly) pops its
// return address into rcx (DW_CFA_register rip, rcx, as the stubs of libjvm.so and the C
// library's vfork do) and returns by jumping to it; callra calls it. spinreg keeps the stack
// pointer it was called with in rax (CFA = rax+8, as realign in frames.c) and spinra its return
// address in rcx while they wait for a signal; SIGALRM's handler calls onsignal.
//
//   registers once N   calls callra N times, 1 ms apart, and exits
//   registers sigreg   prints its pid, then waits in spinreg until SIGALRM's handler (called
//                      through the C library's __restore_rt signal frame) calls onsignal, every
//                      millisecond until killed
//   registers sigra    the same in spinra
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
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

__attribute__((noinline)) void callra(void)
{
  rareg();
  sink++;
}

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

__attribute__((noreturn)) static void signalled(void (*wait)(void))
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
    wait();
    usleep(1000);
  }
}

int main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "once") == 0) {
    for (int i = atoi(argv[2]); i > 0; i--) {
      callra();
      usleep(1000);
    }
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "sigreg") == 0) {
    signalled(waitreg);
  }
  if (argc == 2 && strcmp(argv[1], "sigra") == 0) {
    signalled(waitra);
  }
  fprintf(stderr, "usage: registers once N | registers sigreg | registers sigra\n");
  return 2;
}
