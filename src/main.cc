#include "shim.h"

int main(int argc, char** argv) { return rustc_shim::Main(argc, argv); }
