#include "errors.h"

#include <bpf/libbpf.h>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace ebpfsh {
namespace {

std::mutex log_mu;
std::string log_tail;
constexpr size_t kLogKeep = 16 * 1024;

int LibbpfPrint(enum libbpf_print_level level, const char *fmt, va_list args) {
  // Verifier logs arrive as one large message: keep all of it, then its tail.
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (n < 0) return 0;
  std::string line(static_cast<size_t>(n) + 1, '\0');
  vsnprintf(line.data(), line.size(), fmt, args);
  line.resize(static_cast<size_t>(n));
  static const bool echo = getenv("EBPFSH_LIBBPF_DEBUG") != nullptr;
  if (echo) fputs(line.c_str(), stderr);
  if (level == LIBBPF_DEBUG && !echo) return 0;
  std::lock_guard<std::mutex> lock(log_mu);
  log_tail += line;
  if (log_tail.size() > kLogKeep) log_tail.erase(0, log_tail.size() - kLogKeep);
  return 0;
}

const char *ErrnoName(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case E2BIG: return "E2BIG";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case ENOSYS: return "ENOSYS";
    case ENOTSUP: return "EOPNOTSUPP";
    case ENOTDIR: return "ENOTDIR";
    case ENOEXEC: return "ENOEXEC";
    case ESTALE: return "ESTALE";
    default: return "EUNKNOWN";
  }
}

// What the responder can do about it.
const char *Hint(const std::string &op, int err) {
  switch (err) {
    case EACCES:
      if (op == "load") return "the kernel's verifier rejected a program; see the error's details";
      return "run as root or grant CAP_BPF and CAP_PERFMON";
    case EPERM:
      return "run as root or grant CAP_BPF and CAP_PERFMON";
    case ENOENT:
      if (op == "open") return "build the bpf objects first: npm run build";
      if (op == "attach") return "this kernel lacks the attach point; try another kernel or probe";
      return nullptr;
    case ENOTSUP:
      return "this kernel does not support this program type";
    case ENOMEM:
      return "the kernel refused the memory; try a smaller ring buffer";
    case ENOSPC:
      return "a bpf map is full";
    case E2BIG:
      return "the program is too large for this kernel's verifier";
    default:
      return nullptr;
  }
}

}  // namespace

void InstallLibbpfLog() { libbpf_set_print(LibbpfPrint); }

std::string TakeLibbpfLog() {
  std::lock_guard<std::mutex> lock(log_mu);
  std::string out;
  out.swap(log_tail);
  return out;
}

void ThrowErrno(Napi::Env env, const std::string &op, int err, const std::string &what) {
  if (err < 0) err = -err;
  std::string msg = op;
  if (!what.empty()) msg += " " + what;
  msg += " failed: ";
  msg += strerror(err);
  if (const char *hint = Hint(op, err)) {
    msg += " (";
    msg += hint;
    msg += ")";
  }
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  e.Set("op", Napi::String::New(env, op));
  e.Set("errno", Napi::Number::New(env, err));
  std::string log = TakeLibbpfLog();
  if (!log.empty()) e.Set("details", Napi::String::New(env, log));
  throw e;
}

}  // namespace ebpfsh
