/* TraceCxxSymbolsTest's traced program: C++ functions (a const method in a namespace, a function
 * template) called every 10 ms until killed, so that the process is alive when its symbols are
 * resolved. Built without debug information: the names come from the symbol table. */
#include <time.h>

namespace geo {
struct Shape {
  int side;
  __attribute__((noinline)) int area(int scale) const { return side * side * scale; }
};
}

template <typename T>
__attribute__((noinline)) T twice(T v)
{
  return v + v;
}

int main()
{
  struct timespec ts = { 0, 10 * 1000 * 1000 };
  geo::Shape s{ 3 };
  for (long i = 0;; i++) {
    s.area(twice<int>((int)i));
    nanosleep(&ts, 0);
  }
}
