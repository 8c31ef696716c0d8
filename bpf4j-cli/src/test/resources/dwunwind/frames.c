// The second target of bpf4j trace's dw_ustack tests (see build.sh), for the .eh_frame rules nofp
// does not exercise: main calls aligned (its stack realigned: CFA = rbp+16) calls vla (a
// variable-length array: CFA = rbp+16) calls clobber (saves rbp, then zeroes it: the walk must
// restore rbp from where clobber saved it to find vla's CFA) calls leaf, which calls getppid
// through its lazily bound PLT entry (the .plt's CFA expression).
//
//   frames once N   calls aligned N times, 1 ms apart, and exits
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "once") == 0) {
    for (int i = atoi(argv[2]); i > 0; i--) {
      aligned(16 + (int) (sink & 7));
      usleep(1000);
    }
    return 0;
  }
  fprintf(stderr, "usage: frames once N\n");
  return 2;
}
