/* A program for UserSymbolsCacheTest: a function to look up, and a wait to be killed in. */
#include <unistd.h>

__attribute__((noinline)) int marker(int x)
{
  return x * 3 + 1;
}

int main(void)
{
  pause();
  return marker(2);
}
