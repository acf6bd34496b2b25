// UTF-8 and UTF-16 conversions for the Windows test programs.
#ifndef RUSTC_SHIM_TESTS_WINDOWS_WIDE_H_
#define RUSTC_SHIM_TESTS_WINDOWS_WIDE_H_

#include <windows.h>

#include <string>

namespace rustc_shim::testing {

inline std::wstring Wide(const std::string& s) {
  int n = MultiByteToWideChar(CP_UTF8, 0, s.c_str(), -1, nullptr, 0);
  std::wstring w(n > 0 ? n - 1 : 0, L'\0');
  if (n > 1) MultiByteToWideChar(CP_UTF8, 0, s.c_str(), -1, w.data(), n);
  return w;
}

inline std::string Narrow(const wchar_t* w) {
  int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, nullptr, 0, nullptr, nullptr);
  std::string s(n > 0 ? n - 1 : 0, '\0');
  if (n > 1) WideCharToMultiByte(CP_UTF8, 0, w, -1, s.data(), n, nullptr, nullptr);
  return s;
}

}  // namespace rustc_shim::testing

#endif  // RUSTC_SHIM_TESTS_WINDOWS_WIDE_H_
