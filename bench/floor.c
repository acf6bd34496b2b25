/* The floor: the least a wrapper can do. It looks for the coverage flag and
 * execs the compiler directly, or execs $SHIM_SCCACHE in front of it. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  for (int i = 2; i < argc; ++i) {
    if (strstr(argv[i], "instrument-coverage") != NULL) {
      execvp(argv[1], argv + 1);
      return 127;
    }
  }
  const char *sccache = getenv("SHIM_SCCACHE");
  argv[0] = (char *)(sccache ? sccache : "sccache");
  execvp(argv[0], argv);
  return 127;
}
