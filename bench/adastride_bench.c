/* adastride-bench: the same program as `adastride bench`. */
#include "bench.h"

int main(int argc, char **argv) { return bench_main(argc, argv); }
