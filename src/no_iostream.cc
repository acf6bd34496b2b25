// Linked into the static rustc-shim executable only (see src/meson.build).
//
// rustc-shim never uses iostreams: it writes with write(2) and logs through
// spdlog's fmt. Yet every static build carries libstdc++'s iostream
// initializer, because Abseil's string code (str_cat -> numbers -> charconv)
// includes <iostream>; at each start that initializer builds the C++ locale,
// about 50,000 instructions and 50 us here, which is most of what the shim
// cost over a bare exec. The link wraps the initializer's constructor and
// destructor with these empty functions, so the locale is never built.
//
// This is safe only while nothing uses std::cout, std::cerr, std::clog or
// std::cin; the `no-iostream` test checks the linked binary for them.

extern "C" {
void __wrap__ZNSt8ios_base4InitC1Ev(void*) {}
void __wrap__ZNSt8ios_base4InitD1Ev(void*) {}
}
