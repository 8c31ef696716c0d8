/* TraceDwarfTest's traced program: calls work(i, 100) for i = 0, 1, 2, ... every 10 ms until
 * killed, so that the process is alive when its stacks are symbolized. */
#include <time.h>

__attribute__((noinline)) int work(int a, long b)
{
  return a + (int)b;
}

int main(void)
{
  struct timespec ts = { 0, 10 * 1000 * 1000 };
  for (int i = 0;; i++) {
    work(i, 100);
    nanosleep(&ts, 0);
  }
}
