#include "log.h"

#include <mutex>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "platform.h"
#include "spdlog/details/null_mutex.h"
#include "spdlog/logger.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/base_sink.h"

namespace rustc_shim {
namespace {

// Hands each formatted record to a LogOutput in one piece. spdlog's own file
// sinks go through stdio buffers, which may split a long record into several
// writes; one write per record is what keeps parallel rustc processes from
// interleaving inside a line.
class RecordSink : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit RecordSink(std::unique_ptr<LogOutput> output) : output_(std::move(output)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    output_->Write(absl::string_view(formatted.data(), formatted.size()));
  }
  void flush_() override {}

 private:
  std::unique_ptr<LogOutput> output_;
};

}  // namespace

ErrorOr<std::optional<LogSpec>> ParseLogSpec(absl::string_view text) {
  if (text.empty()) return std::optional<LogSpec>();
  absl::string_view level_text = text;
  absl::string_view file;
  if (size_t colon = text.find(':'); colon != absl::string_view::npos) {
    level_text = text.substr(0, colon);
    file = text.substr(colon + 1);
  }
  std::string level = absl::AsciiStrToLower(level_text);
  LogSpec spec;
  if (level == "off") {
    return std::optional<LogSpec>();
  } else if (level == "error") {
    spec.level = spdlog::level::err;
  } else if (level == "warn" || level == "warning") {
    spec.level = spdlog::level::warn;
  } else if (level == "info") {
    spec.level = spdlog::level::info;
  } else if (level == "debug") {
    spec.level = spdlog::level::debug;
  } else if (level == "trace") {
    spec.level = spdlog::level::trace;
  } else {
    return Error{
        absl::StrCat("SHIM_LOG=", text,
                     " is not LEVEL or LEVEL:FILE (LEVEL: off, error, warn, info, debug, trace)")};
  }
  if (text.find(':') != absl::string_view::npos && file.empty()) {
    return Error{absl::StrCat("SHIM_LOG=", text, " names no file after the colon")};
  }
  spec.file = std::string(file);
  return std::optional<LogSpec>(std::move(spec));
}

std::shared_ptr<spdlog::logger> MakeLogger(const LogSpec& spec) {
  std::unique_ptr<LogOutput> output;
  std::string open_error;
  if (!spec.file.empty()) {
    ErrorOr<std::unique_ptr<LogOutput>> file = OpenLogFile(spec.file);
    if (file.ok()) {
      output = *std::move(file);
    } else {
      open_error = file.error();
    }
  }
  if (output == nullptr) output = StderrLogOutput();

  auto sink = std::make_shared<RecordSink>(std::move(output));
  auto logger = std::make_shared<spdlog::logger>("rustc-shim", std::move(sink));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e rustc-shim[%P] %l: %v");
  logger->set_level(spec.level);
  if (!open_error.empty()) {
    logger->warn("cannot open SHIM_LOG file {}: {}; logging to stderr instead", spec.file,
                 open_error);
  }
  return logger;
}

}  // namespace rustc_shim
