// Bytes as lowercase hex and back: how the fake programs of the process tests
// (POSIX and Windows) receive and record arbitrary bytes through environment
// variables and text files.
#ifndef RUSTC_SHIM_TESTS_COMMON_HEX_H_
#define RUSTC_SHIM_TESTS_COMMON_HEX_H_

#include <string>

namespace rustc_shim::testing {

inline std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

inline std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

}  // namespace rustc_shim::testing

#endif  // RUSTC_SHIM_TESTS_COMMON_HEX_H_
