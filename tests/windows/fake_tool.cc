// The Windows stand-in for rustc and sccache in the Windows process tests: it
// appends the arguments it received (split from its UTF-16 command line, as
// hex of their UTF-8) to %FAKE_RECORD%, writes %FAKE_STDERR% (hex) to stderr
// and %FAKE_STDOUT% (hex) to stdout
// and exits with %FAKE_EXIT%. Named sccache*.exe, it runs its arguments as
// sccache would, unless %FAKE_SCCACHE_EXIT% asks it to fail first.
// windows.h first: shellapi.h needs its types.
// clang-format off
#include <windows.h>
#include <shellapi.h>
// clang-format on

#include <cwchar>
#include <string>
#include <vector>

#include "cmdline.h"
#include "hex.h"
#include "wide.h"

namespace {

using rustc_shim::testing::Hex;
using rustc_shim::testing::Unhex;
using rustc_shim::testing::Wide;

std::string Utf8(const wchar_t* w) { return rustc_shim::testing::Narrow(w); }

std::string Env(const wchar_t* name) {
  wchar_t buffer[32768];
  DWORD n = GetEnvironmentVariableW(name, buffer, 32768);
  return n == 0 ? std::string() : Utf8(buffer);
}

void Append(const std::string& path, const std::string& text) {
  HANDLE f = CreateFileW(Wide(path).c_str(), FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE,
                         nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (f == INVALID_HANDLE_VALUE) return;
  DWORD written;
  WriteFile(f, text.data(), static_cast<DWORD>(text.size()), &written, nullptr);
  CloseHandle(f);
}

}  // namespace

int main() {
  int argc = 0;
  wchar_t** wargv = CommandLineToArgvW(GetCommandLineW(), &argc);
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) args.push_back(Utf8(wargv[i]));
  std::string base = args[0].substr(args[0].find_last_of("\\/") + 1);
  for (char& c : base) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  const bool sccache = base.rfind("sccache", 0) == 0;

  std::string record = std::string("tool ") + (sccache ? "sccache" : "compiler") + "\n";
  for (const std::string& a : args) record += "arg " + Hex(a) + "\n";
  record += "end\n";
  std::string path = Env(L"FAKE_RECORD");
  if (!path.empty()) Append(path, record);

  HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
  DWORD written;
  if (sccache) {
    std::string fail = Env(L"FAKE_SCCACHE_EXIT");
    if (!fail.empty()) {
      std::string text = Unhex(Env(L"FAKE_SCCACHE_STDERR"));
      WriteFile(err, text.data(), static_cast<DWORD>(text.size()), &written, nullptr);
      return std::stoi(fail);
    }
    std::vector<const char*> rest;
    for (size_t i = 1; i < args.size(); ++i) rest.push_back(args[i].c_str());
    std::wstring line = Wide(rustc_shim::WindowsCommandLine(rest));
    STARTUPINFOW si = {};
    si.cb = sizeof si;
    PROCESS_INFORMATION pi = {};
    if (!CreateProcessW(nullptr, line.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &si,
                        &pi)) {
      return 2;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 1;
    GetExitCodeProcess(pi.hProcess, &code);
    return static_cast<int>(code);
  }
  std::string text = Unhex(Env(L"FAKE_STDERR"));
  WriteFile(err, text.data(), static_cast<DWORD>(text.size()), &written, nullptr);
  std::string out_text = Unhex(Env(L"FAKE_STDOUT"));
  WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), out_text.data(),
            static_cast<DWORD>(out_text.size()), &written, nullptr);
  std::string code = Env(L"FAKE_EXIT");
  return code.empty() ? 0 : std::stoi(code);
}
