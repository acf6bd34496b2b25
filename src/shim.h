// The whole program: argv -> expand -> classify -> locate -> launch.
#ifndef RUSTC_SHIM_SHIM_H_
#define RUSTC_SHIM_SHIM_H_

namespace rustc_shim {

// Runs rustc-shim with the process's arguments. On the compile path it does not
// return when a program was launched (it replaced this process); otherwise it
// returns the exit status.
int Main(int argc, char** argv);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_SHIM_H_
