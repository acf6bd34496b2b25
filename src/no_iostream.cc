// Linked into the static rustc-shim executable only (see src/meson.build).
//
// rustc-shim never uses iostreams: it writes with write(2) and logs through
// spdlog's fmt. Yet every static build carries libstdc++'s iostream
// initializer, because Abseil's string code (str_cat -> numbers -> charconv)
// includes <iostream>; at each start that initializer builds the C++ locale,
// about 50,000 instructions and 50 us here, which is most of what the shim
// cost over a bare exec. This file defines the initializer's constructor and
// destructor as empty functions; an object file's definitions come before any
// archive's, so the link never takes libstdc++'s (nor, with them, the
// streams), and the locale is never built. (Wrapping the two with --wrap did
// the same with GNU ld, but lld still pulls in the wrapped definitions' file.)
//
// This is safe only while nothing uses std::cout, std::cerr, std::clog or
// std::cin; the `no-iostream` test checks the linked binary for them.

extern "C" {
// std::ios_base::Init::Init() and std::ios_base::Init::~Init().
void _ZNSt8ios_base4InitC1Ev(void*) {}
void _ZNSt8ios_base4InitD1Ev(void*) {}
}
