// The platform seam for Windows (mingw-w64). Arguments arrive as UTF-16 and
// are handled as UTF-8 inside; programs are started with CreateProcessW and a
// command line quoted by the C runtime's rules; there is no exec, so "running
// in place" means: start the program, wait for it, and exit with its status.
#ifndef NOMINMAX
#define NOMINMAX
#endif
// windows.h first: shellapi.h needs its types.
// clang-format off
#include <windows.h>
#include <shellapi.h>
// clang-format on

#include <deque>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cmdline.h"
#include "platform.h"

namespace rustc_shim {
namespace {

std::wstring Wide(absl::string_view utf8) {
  if (utf8.empty()) return std::wstring();
  int n = ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring out(static_cast<size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
  return out;
}

std::string Utf8(const wchar_t* wide, size_t size) {
  if (size == 0) return std::string();
  int n =
      ::WideCharToMultiByte(CP_UTF8, 0, wide, static_cast<int>(size), nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<size_t>(n), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, wide, static_cast<int>(size), out.data(), n, nullptr, nullptr);
  return out;
}

std::string Utf8(const std::wstring& wide) { return Utf8(wide.data(), wide.size()); }

// Strings whose views GetEnv and CommandLineArgs hand out: they live as long
// as the process.
std::deque<std::string>& Storage() {
  static std::deque<std::string> storage;
  return storage;
}

void WriteHandle(HANDLE handle, absl::string_view bytes) {
  while (!bytes.empty()) {
    DWORD written = 0;
    DWORD chunk = static_cast<DWORD>(std::min<size_t>(bytes.size(), 1u << 30));
    if (!::WriteFile(handle, bytes.data(), chunk, &written, nullptr) || written == 0) return;
    bytes.remove_prefix(written);
  }
}

class HandleLogOutput : public LogOutput {
 public:
  HandleLogOutput(HANDLE handle, bool owned) : handle_(handle), owned_(owned) {}
  ~HandleLogOutput() override {
    if (owned_) ::CloseHandle(handle_);
  }
  // One WriteFile per record on a handle opened for FILE_APPEND_DATA only:
  // Windows places each write at the end of the file as a unit.
  void Write(absl::string_view record) override { WriteHandle(handle_, record); }

 private:
  HANDLE handle_;
  bool owned_;
};

Error LastError() { return Error{ErrorText(static_cast<int>(::GetLastError()))}; }

// Console Ctrl-C and Ctrl-Break reach every process on the console, the child
// included: the child decides how to stop, and the shim waits to report it.
BOOL WINAPI IgnoreConsoleControl(DWORD) { return TRUE; }

// A job that kills the child if the shim itself is killed, so the shim never
// leaves a compile running behind it.
HANDLE KillOnCloseJob() {
  static HANDLE job = [] {
    HANDLE h = ::CreateJobObjectW(nullptr, nullptr);
    if (h != nullptr) {
      JOBOBJECT_EXTENDED_LIMIT_INFORMATION info = {};
      info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
      ::SetInformationJobObject(h, JobObjectExtendedLimitInformation, &info, sizeof info);
    }
    return h;
  }();
  return job;
}

// The environment block changed by `env` (an added entry replaces one of the
// same name), or empty to inherit.
std::wstring EnvironmentFor(const EnvChanges& env) {
  std::wstring block;
  if (env.drop.size() == 0 && env.add.size() == 0) return block;
  std::vector<std::wstring> prefixes;  // "NAME=", compared without case as Windows does
  for (const char* name : env.drop) prefixes.push_back(Wide(name) + L"=");
  for (const char* entry : env.add) {
    absl::string_view text(entry);
    prefixes.push_back(Wide(text.substr(0, text.find('='))) + L"=");
  }
  wchar_t* strings = ::GetEnvironmentStringsW();
  for (const wchar_t* p = strings; *p != L'\0'; p += wcslen(p) + 1) {
    std::wstring entry(p);
    bool dropped = false;
    for (const std::wstring& prefix : prefixes) {
      dropped = dropped || (entry.size() >= prefix.size() &&
                            ::CompareStringOrdinal(entry.c_str(), static_cast<int>(prefix.size()),
                                                   prefix.c_str(), static_cast<int>(prefix.size()),
                                                   TRUE) == CSTR_EQUAL);
    }
    if (!dropped) block.append(entry).push_back(L'\0');
  }
  ::FreeEnvironmentStringsW(strings);
  for (const char* entry : env.add) block.append(Wide(entry)).push_back(L'\0');
  block.push_back(L'\0');
  return block;
}

// Starts argv[0] with `argv`; stderr and stdout go to the handles when given.
// Returns the process handle, or null with the error in `error`. The program
// is the command line's first word: CreateProcessW searches PATH for a bare
// name and adds .exe where it has no extension.
HANDLE Start(char* const* argv, const std::wstring& environment, HANDLE stderr_handle,
             HANDLE stdout_handle, DWORD* error, HANDLE stdin_handle = nullptr) {
  std::vector<const char*> args;
  for (char* const* a = argv; *a != nullptr; ++a) args.push_back(*a);
  std::wstring command_line = Wide(WindowsCommandLine(args));

  STARTUPINFOW startup = {};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = stdin_handle != nullptr ? stdin_handle : ::GetStdHandle(STD_INPUT_HANDLE);
  startup.hStdOutput = stdout_handle != nullptr ? stdout_handle : ::GetStdHandle(STD_OUTPUT_HANDLE);
  startup.hStdError = stderr_handle != nullptr ? stderr_handle : ::GetStdHandle(STD_ERROR_HANDLE);
  PROCESS_INFORMATION info = {};
  DWORD flags = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT;
  if (!::CreateProcessW(nullptr, command_line.data(), nullptr, nullptr, TRUE, flags,
                        environment.empty() ? nullptr : const_cast<wchar_t*>(environment.c_str()),
                        nullptr, &startup, &info)) {
    *error = ::GetLastError();
    return nullptr;
  }
  if (HANDLE job = KillOnCloseJob()) ::AssignProcessToJobObject(job, info.hProcess);
  ::SetConsoleCtrlHandler(IgnoreConsoleControl, TRUE);
  ::ResumeThread(info.hThread);
  ::CloseHandle(info.hThread);
  return info.hProcess;
}

// Reads what `pipe` holds now, without waiting, into `sink`.
void DrainPipe(HANDLE pipe, const std::function<void(absl::string_view)>& sink) {
  char buffer[16384];
  DWORD available = 0;
  while (::PeekNamedPipe(pipe, nullptr, 0, nullptr, &available, nullptr) && available > 0) {
    DWORD n = 0;
    if (!::ReadFile(pipe, buffer, std::min<DWORD>(available, sizeof buffer), &n, nullptr) ||
        n == 0) {
      return;
    }
    sink(absl::string_view(buffer, n));
  }
}

}  // namespace

const char kPathListSeparator = ';';

std::vector<char*> CommandLineArgs(int, char**) {
  int count = 0;
  wchar_t** wide = ::CommandLineToArgvW(::GetCommandLineW(), &count);
  std::vector<char*> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(Storage().emplace_back(Utf8(wide[i], wcslen(wide[i]))).data());
  }
  ::LocalFree(wide);
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> ExecutableExtensions() {
  std::string pathext(GetEnv("PATHEXT").value_or(".COM;.EXE;.BAT;.CMD"));
  std::vector<std::string> out;
  for (absl::string_view ext : absl::StrSplit(pathext, ';', absl::SkipEmpty())) {
    out.emplace_back(ext);
  }
  if (out.empty()) out.push_back(".EXE");
  return out;
}

std::optional<absl::string_view> GetEnv(const char* name) {
  std::wstring wide_name = Wide(name);
  DWORD n = ::GetEnvironmentVariableW(wide_name.c_str(), nullptr, 0);
  if (n == 0) {
    if (::GetLastError() == ERROR_ENVVAR_NOT_FOUND) return std::nullopt;
    return absl::string_view();
  }
  std::wstring value(n, L'\0');
  n = ::GetEnvironmentVariableW(wide_name.c_str(), value.data(), n);
  value.resize(n);
  return absl::string_view(Storage().emplace_back(Utf8(value)));
}

ErrorOr<std::string> ReadFile(const std::string& path) {
  HANDLE file = ::CreateFileW(Wide(path).c_str(), GENERIC_READ,
                              FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                              OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    if (::GetLastError() == ERROR_ACCESS_DENIED &&
        (::GetFileAttributesW(Wide(path).c_str()) & FILE_ATTRIBUTE_DIRECTORY) != 0 &&
        ::GetFileAttributesW(Wide(path).c_str()) != INVALID_FILE_ATTRIBUTES) {
      return Error{"Is a directory"};
    }
    return LastError();
  }
  std::string data;
  char buffer[65536];
  for (;;) {
    DWORD n = 0;
    if (!::ReadFile(file, buffer, sizeof buffer, &n, nullptr)) {
      Error error = LastError();
      ::CloseHandle(file);
      return error;
    }
    if (n == 0) break;
    data.append(buffer, n);
  }
  ::CloseHandle(file);
  return data;
}

bool IsExecutableFile(const std::string& path) {
  DWORD attributes = ::GetFileAttributesW(Wide(path).c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) == 0;
}

bool SameFile(const std::string& a, const std::string& b) {
  auto identity = [](const std::string& path, BY_HANDLE_FILE_INFORMATION* info) {
    HANDLE h =
        ::CreateFileW(Wide(path).c_str(), 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                      nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
    if (h == INVALID_HANDLE_VALUE) return false;
    bool ok = ::GetFileInformationByHandle(h, info) != 0;
    ::CloseHandle(h);
    return ok;
  };
  BY_HANDLE_FILE_INFORMATION ia, ib;
  if (!identity(a, &ia) || !identity(b, &ib)) return false;
  return ia.dwVolumeSerialNumber == ib.dwVolumeSerialNumber &&
         ia.nFileIndexHigh == ib.nFileIndexHigh && ia.nFileIndexLow == ib.nFileIndexLow;
}

std::string MakeDirectories(const std::string& path) {
  // Each prefix that ends before a separator, then the whole path. A prefix
  // that cannot be made (a drive "C:", a share \\server\share) may still
  // exist: only the whole path's outcome counts.
  DWORD error = 0;
  for (size_t end = path.find_first_of("\\/", 1);; end = path.find_first_of("\\/", end + 1)) {
    const std::string dir = path.substr(0, end);
    if (!dir.empty() && !::CreateDirectoryW(Wide(dir).c_str(), nullptr)) error = ::GetLastError();
    if (end == std::string::npos) break;
  }
  DWORD attributes = ::GetFileAttributesW(Wide(path).c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES || (attributes & FILE_ATTRIBUTE_DIRECTORY) == 0) {
    return absl::StrCat(path, ": ",
                        error != 0 ? ErrorText(static_cast<int>(error)) : "not a directory");
  }
  return "";
}

std::string WriteWholeFile(const std::string& path, absl::string_view bytes) {
  // A new file beside the old one, moved over it once it is whole, so that a
  // full disk or a reader meanwhile never sees half a file; ReplaceFileW
  // keeps the old file's attributes and security.
  const std::wstring target = Wide(path);
  const std::wstring temporary =
      Wide(absl::StrCat(path, ".rustc-shim-", std::to_string(::GetCurrentProcessId())));
  HANDLE file = ::CreateFileW(temporary.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS,
                              FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return ErrorText(static_cast<int>(::GetLastError()));
  bool ok = true;
  DWORD error = 0;
  while (ok && !bytes.empty()) {
    DWORD written = 0;
    DWORD chunk = static_cast<DWORD>(std::min<size_t>(bytes.size(), 1u << 30));
    ok = ::WriteFile(file, bytes.data(), chunk, &written, nullptr) != 0;
    if (!ok) error = ::GetLastError();
    bytes.remove_prefix(written);
  }
  if (ok && !::FlushFileBuffers(file)) {
    ok = false;
    error = ::GetLastError();
  }
  ::CloseHandle(file);
  if (ok && ::GetFileAttributesW(target.c_str()) != INVALID_FILE_ATTRIBUTES) {
    ok = ::ReplaceFileW(target.c_str(), temporary.c_str(), nullptr,
                        REPLACEFILE_IGNORE_MERGE_ERRORS, nullptr, nullptr) != 0;
  } else if (ok) {
    ok = ::MoveFileExW(temporary.c_str(), target.c_str(), MOVEFILE_REPLACE_EXISTING) != 0;
  }
  if (!ok) {
    if (error == 0) error = ::GetLastError();
    ::DeleteFileW(temporary.c_str());
    return ErrorText(static_cast<int>(error));
  }
  return "";
}

ErrorOr<std::string> MakeAlias(const std::string& target, const std::string& alias) {
  // A hard link needs the same volume; a copy works anywhere but is not
  // upgraded with the target (run --init again after an upgrade). Either
  // one is made beside the alias and moved over it.
  const std::wstring wide_target = Wide(target);
  const std::wstring temporary =
      Wide(absl::StrCat(alias, ".new.", std::to_string(::GetCurrentProcessId())));
  ::DeleteFileW(temporary.c_str());
  std::string kind = "hard link";
  if (!::CreateHardLinkW(temporary.c_str(), wide_target.c_str(), nullptr)) {
    kind = "copy";
    if (!::CopyFileW(wide_target.c_str(), temporary.c_str(), FALSE)) return LastError();
  }
  if (!::MoveFileExW(temporary.c_str(), Wide(alias).c_str(), MOVEFILE_REPLACE_EXISTING)) {
    Error error = LastError();
    ::DeleteFileW(temporary.c_str());
    return error;
  }
  return kind;
}

std::string CurrentDirectory() {
  std::wstring buffer(32768, L'\0');
  DWORD n = ::GetCurrentDirectoryW(static_cast<DWORD>(buffer.size()), buffer.data());
  return n == 0 ? std::string(".") : Utf8(buffer.data(), n);
}

std::string SelfPath(const char* argv0) {
  std::wstring buffer(32768, L'\0');
  DWORD n = ::GetModuleFileNameW(nullptr, buffer.data(), static_cast<DWORD>(buffer.size()));
  if (n == 0) return argv0 == nullptr ? std::string() : std::string(argv0);
  return Utf8(buffer.data(), n);
}

std::string SelfIdentity(const char* argv0) { return SelfPath(argv0); }

std::string JoinPath(absl::string_view dir, absl::string_view name) {
  if (dir.empty()) dir = ".";
  if (dir.back() == '\\' || dir.back() == '/') return absl::StrCat(dir, name);
  return absl::StrCat(dir, "\\", name);
}

bool HasDirectory(absl::string_view name) {
  return name.find_first_of("\\/:") != absl::string_view::npos;
}

void WriteStderr(absl::string_view bytes) { WriteHandle(::GetStdHandle(STD_ERROR_HANDLE), bytes); }

void WriteStdout(absl::string_view bytes) { WriteHandle(::GetStdHandle(STD_OUTPUT_HANDLE), bytes); }

ErrorOr<std::unique_ptr<LogOutput>> OpenLogFile(const std::string& path) {
  HANDLE file = ::CreateFileW(Wide(path).c_str(), FILE_APPEND_DATA | SYNCHRONIZE,
                              FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                              OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return LastError();
  return std::unique_ptr<LogOutput>(new HandleLogOutput(file, true));
}

std::unique_ptr<LogOutput> StderrLogOutput() {
  return std::unique_ptr<LogOutput>(new HandleLogOutput(::GetStdHandle(STD_ERROR_HANDLE), false));
}

ChildStatus RunChild(const char*, char* const* argv, const EnvChanges& env,
                     const std::function<void(absl::string_view)>& on_stderr,
                     const std::function<void(absl::string_view)>* on_stdout) {
  ChildStatus status;
  SECURITY_ATTRIBUTES inherit = {sizeof inherit, nullptr, TRUE};
  HANDLE err_read = nullptr, err_write = nullptr, out_read = nullptr, out_write = nullptr;
  if (!::CreatePipe(&err_read, &err_write, &inherit, 0) ||
      (on_stdout != nullptr && !::CreatePipe(&out_read, &out_write, &inherit, 0))) {
    status.start_error = static_cast<int>(::GetLastError());
    return status;
  }
  ::SetHandleInformation(err_read, HANDLE_FLAG_INHERIT, 0);
  if (out_read != nullptr) ::SetHandleInformation(out_read, HANDLE_FLAG_INHERIT, 0);
  DWORD error = 0;
  // argv[0] is the program (the shim puts sccache's path there).
  HANDLE process = Start(argv, EnvironmentFor(env), err_write, out_write, &error);
  ::CloseHandle(err_write);
  if (out_write != nullptr) ::CloseHandle(out_write);
  if (process == nullptr) {
    ::CloseHandle(err_read);
    if (out_read != nullptr) ::CloseHandle(out_read);
    status.start_error = static_cast<int>(error);
    return status;
  }
  status.started = true;
  // Read the pipes until the child is gone; a grandchild (sccache's server)
  // may hold them open long after, so the child's exit ends the wait.
  auto drain_all = [&] {
    DrainPipe(err_read, on_stderr);
    if (out_read != nullptr) DrainPipe(out_read, *on_stdout);
  };
  for (;;) {
    DWORD waited = ::WaitForSingleObject(process, 5);
    drain_all();
    if (waited != WAIT_TIMEOUT) break;
  }
  drain_all();
  ::CloseHandle(err_read);
  if (out_read != nullptr) ::CloseHandle(out_read);
  DWORD code = 1;
  ::GetExitCodeProcess(process, &code);
  ::CloseHandle(process);
  status.exited = true;
  status.code = static_cast<int>(code);
  return status;
}

ProbeResult RunProbe(const char*, char* const* argv, int timeout_ms) {
  ProbeResult result;
  SECURITY_ATTRIBUTES inherit = {sizeof inherit, nullptr, TRUE};
  HANDLE out_read = nullptr, out_write = nullptr;
  HANDLE null_in = ::CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                 &inherit, OPEN_EXISTING, 0, nullptr);
  HANDLE null_out = ::CreateFileW(L"NUL", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                  &inherit, OPEN_EXISTING, 0, nullptr);
  if (null_in == INVALID_HANDLE_VALUE || null_out == INVALID_HANDLE_VALUE ||
      !::CreatePipe(&out_read, &out_write, &inherit, 0)) {
    result.start_error = static_cast<int>(::GetLastError());
    if (null_in != INVALID_HANDLE_VALUE) ::CloseHandle(null_in);
    if (null_out != INVALID_HANDLE_VALUE) ::CloseHandle(null_out);
    return result;
  }
  ::SetHandleInformation(out_read, HANDLE_FLAG_INHERIT, 0);
  DWORD error = 0;
  HANDLE process = Start(argv, EnvironmentFor({}), null_out, out_write, &error, null_in);
  ::CloseHandle(null_in);
  ::CloseHandle(null_out);
  ::CloseHandle(out_write);
  if (process == nullptr) {
    ::CloseHandle(out_read);
    result.start_error = static_cast<int>(error);
    return result;
  }
  result.started = true;
  const std::function<void(absl::string_view)> keep = [&result](absl::string_view bytes) {
    if (result.out.size() < 4096) {
      absl::string_view kept = bytes.substr(0, 4096 - result.out.size());
      result.out.append(kept.data(), kept.size());
    }
  };
  auto drain = [&] { DrainPipe(out_read, keep); };
  const ULONGLONG deadline = ::GetTickCount64() + static_cast<ULONGLONG>(timeout_ms);
  for (;;) {
    DWORD waited = ::WaitForSingleObject(process, 5);
    drain();
    if (waited != WAIT_TIMEOUT) break;
    if (::GetTickCount64() >= deadline) {
      ::TerminateProcess(process, 1);
      ::WaitForSingleObject(process, INFINITE);
      result.timed_out = true;
      break;
    }
  }
  drain();
  ::CloseHandle(out_read);
  DWORD code = 1;
  ::GetExitCodeProcess(process, &code);
  ::CloseHandle(process);
  if (!result.timed_out) {
    result.exited = true;
    result.code = static_cast<int>(code);
  }
  return result;
}

void ExitLike(const ChildStatus& status) { ::ExitProcess(static_cast<UINT>(status.code)); }

int Exec(const char*, char* const* argv) {
  // argv[0] is the program, as exec's callers pass it.
  DWORD error = 0;
  HANDLE process = Start(argv, EnvironmentFor({}), nullptr, nullptr, &error);
  if (process == nullptr) return static_cast<int>(error);
  ::WaitForSingleObject(process, INFINITE);
  DWORD code = 1;
  ::GetExitCodeProcess(process, &code);
  ::CloseHandle(process);
  ::ExitProcess(code);
}

CommandLineLimit SystemCommandLineLimit() {
  CommandLineLimit limit;
  limit.total = 32767;  // CreateProcessW's lpCommandLine, in UTF-16 units
  limit.windows = true;
  return limit;
}

std::string ErrorText(int error) {
  wchar_t* text = nullptr;
  DWORD n = ::FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, static_cast<DWORD>(error), 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::string message = n > 0 ? Utf8(text, n) : absl::StrCat("error ", error);
  if (text != nullptr) ::LocalFree(text);
  absl::StripTrailingAsciiWhitespace(&message);
  if (!message.empty() && message.back() == '.') message.pop_back();
  return message;
}

bool IsNotFound(int error) {
  return error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND ||
         error == ERROR_INVALID_NAME;
}

}  // namespace rustc_shim
